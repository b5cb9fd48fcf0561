"""PathGenerator: paths inside the job folder, generated when the task is submitted."""

import json
from pathlib import Path
from typing import Annotated, Dict, List

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
    # Configs held by the task get paths in out/<field> of the task's folder (as 2.x)
    assert task.output.path == jobpath / "out" / "output" / "sub" / "data.bin"


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


class Leaf(Config):
    p: Meta[Path] = field(default_factory=PathGenerator("leaf.txt"))


class Middle(Config):
    leaf: Param[Leaf]
    folder: Meta[Path] = field(default_factory=PathGenerator("mid"))


class Holder(Task):
    middle: Param[Middle]
    leaves: Param[List[Leaf]]
    by_name: Param[Dict[str, Leaf]]
    shared: Param[Leaf]
    named: Meta[Path] = field(
        default_factory=PathGenerator(lambda context, config: f"{len(config.leaves)}.txt")
    )

    def execute(self):
        pass


def _holder():
    shared = Leaf.C()
    return Holder.C(middle=Middle.C(leaf=shared), leaves=[Leaf.C(), Leaf.C()],
                    by_name={"a": Leaf.C()}, shared=shared)


def test_nested_configs_generate_below_out_and_their_field_path(generate_xp):
    """The paths 2.x gives (checked against experimaestro 2.7.0): out/<field>/<index or
    key>/..., depth first in declaration order; a config reached twice keeps its first
    position; a callable's result is relative to the config's folder."""
    task = _holder()
    task.submit()
    rel = {name: Path(value).relative_to(task.jobpath) for name, value in [
        ("middle.folder", task.middle.folder), ("middle.leaf.p", task.middle.leaf.p),
        ("leaves[0]", task.leaves[0].p), ("leaves[1]", task.leaves[1].p),
        ("by_name[a]", task.by_name["a"].p), ("shared", task.shared.p), ("named", task.named),
    ]}
    assert rel == {
        "middle.folder": Path("out/middle/mid"),
        "middle.leaf.p": Path("out/middle/leaf/leaf.txt"),
        "leaves[0]": Path("out/leaves/0/leaf.txt"),
        "leaves[1]": Path("out/leaves/1/leaf.txt"),
        "by_name[a]": Path("out/by_name/a/leaf.txt"),
        "shared": Path("out/middle/leaf/leaf.txt"),
        "named": Path("2.txt"),
    }


def test_instance_with_a_directory_context_generates_the_paths(tmp_path):
    from experimaestro.xpmutils import DirectoryContext

    instance = _holder().instance(DirectoryContext(tmp_path))
    assert instance.named == tmp_path / "2.txt"
    assert instance.leaves[1].p == tmp_path / "out" / "leaves" / "1" / "leaf.txt"
    assert instance.middle.leaf.p == tmp_path / "out" / "middle" / "leaf" / "leaf.txt"


def test_instance_without_context_leaves_generated_paths_unset():
    assert _holder().instance().named is None


def test_instance_context_of_the_wrong_type_is_refused():
    with pytest.raises(TypeError, match=r"expected a ConfigWalkContext such as"
                       r" experimaestro.xpmutils.DirectoryContext\(folder\), got str"):
        _holder().instance("/tmp")


def test_empty_context_has_no_folder():
    from experimaestro.xpmutils import EmptyContext

    with pytest.raises(AssertionError, match="EmptyContext does not define a folder"):
        _holder().instance(EmptyContext())
