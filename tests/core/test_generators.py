"""PathGenerator: paths inside the job folder, generated when the task is submitted."""

import json
from pathlib import Path
from typing import Annotated

import pytest

from experimaestro import Config, Meta, Param, PathGenerator, Task, field, pathgenerator


class Output(Config):
    """A config held by a task, with its own generated path"""

    path: Meta[Path] = field(default_factory=PathGenerator("sub/data.bin"))


class Writer(Task):
    x: Param[int]
    out: Meta[Path] = field(default_factory=PathGenerator("out.txt"))
    folder: Meta[Path] = field(default_factory=PathGenerator())
    computed: Meta[Path] = field(
        default_factory=PathGenerator(lambda context, config: context.jobpath / f"x{config.x}")
    )
    legacy: Annotated[Path, pathgenerator("legacy.txt")]
    output: Param[Output] = field(default_factory=Output.C)

    def execute(self):
        pass


def test_generated_paths_before_submission_are_none():
    task = Writer.C(x=1)
    assert task.out is None and task.legacy is None and task.output.path is None


def test_generated_paths_do_not_change_the_identifier():
    class Plain(Task):
        __xpmid__ = "generators.same"
        x: Param[int]

        def execute(self):
            pass

    class WithPath(Task):
        __xpmid__ = "generators.same"
        x: Param[int]
        out: Meta[Path] = field(default_factory=PathGenerator("out.txt"))

        def execute(self):
            pass

    assert Plain.C(x=1).__identifier__() == WithPath.C(x=1).__identifier__()


def test_submit_writes_the_job_folder_and_generates_the_paths(generate_xp):
    task = Writer.C(x=3)
    task.submit()
    jobpath = task.jobpath
    ident = task.__identifier__().hex()
    assert jobpath == generate_xp.workspace.path / "jobs" / Writer.__xpmtype__.identifier / ident
    assert (jobpath / "params.json").is_file()
    assert task.out == jobpath / "out.txt"
    assert task.folder == jobpath
    assert task.computed == jobpath / "x3"
    assert task.legacy == jobpath / "legacy.txt"
    # Configs held by the task get paths in the task's folder
    assert task.output.path == jobpath / "sub" / "data.bin"


def test_params_json_holds_the_generated_path(generate_xp):
    task = Writer.C(x=4)
    task.submit()
    params = json.loads((task.jobpath / "params.json").read_text())
    record = params["objects"][-1]
    assert record["type"] == "Writer" and record["identifier"] == task.__identifier__().hex()
    assert record["fields"]["x"] == 4
    assert record["fields"]["out"] == {"type": "path", "value": "out.txt", "base": "job"}


def test_submitting_twice_returns_the_same_job(generate_xp):
    first = Writer.C(x=5)
    first.submit()
    second = Writer.C(x=5)
    assert second.submit() is first
    assert second.job is first.job


def test_equal_task_submitted_twice_gets_the_generated_paths(generate_xp):
    first = Writer.C(x=6)
    first.submit()
    second = Writer.C(x=6)
    second.submit()
    assert second.out == first.out


def test_path_generator_needs_a_context():
    with pytest.raises(ValueError, match=r"PathGenerator: a path can only be generated when the"
                       r" task is submitted"):
        PathGenerator("out.txt")()


def test_path_generator_is_an_output():
    assert PathGenerator("x").isoutput()
    assert repr(PathGenerator("x")) == "PathGenerator('x')"
