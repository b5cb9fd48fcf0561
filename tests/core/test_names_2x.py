"""Top-level names of 2.x's ``experimaestro.__all__`` that belong to the configuration
core: ``Any``, ``Array``, ``help``, ``config_only``, ``STDOUT``/``STDERR``, ``Path``,
``DirectoryContext``, ``load_configs``, and the module ``experimaestro.generators``.
The digests below were computed by experimaestro 2.7.0 for the same classes."""

import typing
import warnings
from pathlib import Path
from typing import Annotated, List

import pytest

import experimaestro
from experimaestro import (
    STDERR,
    STDOUT,
    Any,
    Array,
    Config,
    DirectoryContext,
    Meta,
    Param,
    PathGenerator,
    Task,
    config_only,
    experiment,
    field,
    help,
    load_configs,
)
from experimaestro.generators import Generator


class Mixed(Config):
    __xpmid__ = "names.twox"
    x: Param[Any]
    y: Param[Array(int)]
    z: Annotated[int, help("the z value")]


def test_any_array_and_help_declare_the_fields_of_2x():
    # (digests of experimaestro 2.7.0 for the same class and values)
    assert Mixed.C(x=[1, "a"], y=[1, 2], z=3).__identifier__().hex() == (
        "dbf9acde9dd0828a72d63cec56fe449a2152a161cf7f2c2e1edc00f4a9d0093c")
    assert Mixed.C(x={"k": 1.5}, y=[], z=0).__identifier__().hex() == (
        "f319ba79fc921405853700c8448f712785fdfd7873dd8b250c03f9ab9804e928")
    args = Mixed.__xpmtype__.arguments
    assert args["z"].help == "the z value" and args["z"].kind.name == "Param"
    assert Any is typing.Any and Array(int) == List[int]
    with pytest.raises(ValueError, match="Mixed.y"):
        Mixed.C(y=["a"])


def test_help_needs_a_text():
    with pytest.raises(TypeError, match="expected the text of the help"):
        help(3)


class Layer(Config):
    size: Param[int]

    @config_only
    def widened(self, factor: int):
        return Layer.C(size=self.size * factor)


def test_config_only_methods_run_on_configurations_only():
    cfg = Layer.C(size=2)
    assert cfg.widened(3).size == 6
    with pytest.raises(TypeError, match=r"Layer.widened\(\) is a configuration-only method"):
        cfg.instance().widened(3)
    with pytest.raises(TypeError, match="decorates a method"):
        config_only(3)


class HeldLog(Config):
    log: Meta[Path] = field(default_factory=PathGenerator(STDOUT))


class Logs(Task):
    __xpmid__ = "names.logs"
    held: Param[HeldLog]
    out: Meta[Path] = field(default_factory=PathGenerator(STDOUT))
    err: Meta[Path] = field(default_factory=PathGenerator(STDERR))

    def execute(self):
        pass


def test_stdout_and_stderr_name_the_logs_of_the_job(generate_xp):
    task = Logs.C(held=HeldLog.C())
    task.submit()
    job = task.__xpm__.job
    assert (task.out, task.err) == (job.stdout, job.stderr)
    assert task.held.log == job.path / "out" / "held" / "logs.out"  # as 2.7.0 makes it
    with pytest.raises(AssertionError, match="DirectoryContext has no task"):
        Logs.C(held=HeldLog.C()).instance(DirectoryContext(Path("/tmp/x")))


class Label(Generator):
    """A generated value other than a path."""

    def __call__(self, context, config):
        return f"{context.path.name[:8]}-{config.x}"


class Labelled(Task):
    __xpmid__ = "names.gen"
    x: Param[int]
    label: Param[str] = field(default_factory=Label())

    def execute(self):
        pass


def test_generators_module_and_a_generator_of_ours(generate_xp):
    task = Labelled.C(x=3)
    task.submit()
    # (the value and the identifier 2.7.0 gives)
    assert task.label == "0f914ddf-3"
    assert task.__identifier__().hex().startswith("0f914ddf75fb54b5")
    assert issubclass(PathGenerator, Generator)
    from experimaestro.generators import pathgenerator

    assert issubclass(pathgenerator, PathGenerator)


def test_load_configs_is_load_xp_info_jobs(tmp_path):
    from xpm_fixtures.tasks import Add

    with experiment(tmp_path / "ws", "loaded", run_mode="generate") as xp:
        Add.C(x=1).submit()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jobs = load_configs(xp.workdir)
    assert [w.category for w in caught] == [DeprecationWarning]
    [(job_id, task)] = jobs.items()
    assert task.x == 1 and task.__identifier__().hex() == job_id


def test_path_is_pathlib_path():
    assert experimaestro.Path is Path
