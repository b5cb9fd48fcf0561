"""experimaestro.experiments.mock_modules: experiment files import heavy libraries without
them (stand-in modules), while the jobs import the real ones."""

import sys
import textwrap
import warnings
from pathlib import Path
from typing import Generic, TypeVar

import pytest

from experimaestro import Config, Param
from experimaestro.experiments import FakeModuleFinder, mock_modules, noop_decorator

from cli.helpers import jobs_json, out, xpm


@pytest.fixture
def mocked():
    """mock_modules, undone at the end of the test (import hook and imported modules)."""
    finders = []

    def mock(*args, **kwargs):
        finder = mock_modules(*args, **kwargs)
        finders.append(finder)
        return finder

    yield mock
    for finder in finders:
        sys.meta_path.remove(finder)
        for name in [n for n in sys.modules if finder.covers(n)]:
            del sys.modules[name]


def test_mocked_modules_and_submodules_import(mocked):
    finder = mocked(["xpm_heavy"])
    assert isinstance(finder, FakeModuleFinder) and sys.meta_path[0] is finder
    import xpm_heavy
    import xpm_heavy.nn.functional as F
    from xpm_heavy.nn import Module

    assert xpm_heavy.nn.functional is F
    assert Module is xpm_heavy.nn.Module  # one stand-in per name
    assert repr(Module) == "xpm_heavy.nn.Module"
    assert (Module.__module__, Module.__name__) == ("xpm_heavy.nn", "Module")
    with pytest.raises(AttributeError, match="_private"):
        xpm_heavy._private
    # Other modules are not touched
    with pytest.raises(ModuleNotFoundError):
        import xpm_heavyweight  # noqa: F401


def test_stand_ins_are_decorators_calls_and_containers(mocked):
    mocked(["xpm_heavy"])
    import xpm_heavy

    @xpm_heavy.compile
    def f():
        return 1

    @xpm_heavy.no_grad()
    def g():
        return 2

    @xpm_heavy.jit.script(optimize=True)
    def h():
        return 3

    assert (f(), g(), h()) == (1, 2, 3)
    device = xpm_heavy.device("cpu")
    assert device is xpm_heavy.device  # a call gives the stand-in back
    assert xpm_heavy.Tensor[int] is xpm_heavy.Tensor
    assert list(xpm_heavy.zeros(3)) == []  # iterates (nothing) instead of looping forever
    with xpm_heavy.no_grad():
        pass
    with pytest.raises(AttributeError, match="stand-in"):
        xpm_heavy.nn.x = 1


def test_configurations_subclass_mocked_classes(mocked):
    mocked(["xpm_heavy"])
    import xpm_heavy

    T = TypeVar("T")

    def model_class(*bases):
        class Model(Config, *bases):
            hidden: Param[int]

        return Model

    Model = model_class(xpm_heavy.nn.Module)

    class Data(xpm_heavy.utils.Dataset[T], Generic[T]):
        pass

    class Function(xpm_heavy.autograd.Function):
        pass

    model = Model.C(hidden=3)
    assert model.hidden == 3
    # The mocked base changes nothing to the identifier
    assert model.__identifier__() == model_class().C(hidden=3).__identifier__()
    assert issubclass(Model, xpm_heavy.nn.Module)
    assert not issubclass(Model, xpm_heavy.nn.Linear)
    assert isinstance(Data(), xpm_heavy.utils.Dataset) and not isinstance(3, xpm_heavy.Tensor)
    assert Function.apply(lambda: 0) is not None


def test_decorators_argument_is_deprecated(mocked):
    with pytest.warns(DeprecationWarning, match="decorators"):
        mocked(["xpm_heavy"], decorators=["xpm_heavy.compile"])
    import xpm_heavy

    assert xpm_heavy.compile is noop_decorator
    assert noop_decorator(len) is len and noop_decorator(flag=True)(len) is len


def test_misuse_is_reported(mocked):
    with pytest.raises(TypeError, match=r"mock_modules\(\['xpm_heavy'\]\)"):
        mock_modules("xpm_heavy")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        mocked(["json"])
    assert "json already imported" in str(caught[0].message)
    import json

    assert callable(json.dumps)  # the real module stays


HEAVY = '''
import os
from pathlib import Path

# Importing this module leaves a trace: who imported it for real
with open(Path(__file__).parents[1] / "imports.log", "a") as log:
    log.write(f"{os.getpid()}\\n")

VALUE = 42


class Module:
    def __init__(self, *args, **kwargs):
        pass


def compile(fn):
    return fn
'''

EXPERIMENT = '''
from pathlib import Path

import xpm_heavy
from experimaestro import Param, Task
from experimaestro.experiments import ConfigurationBase, ExperimentHelper, configuration


class Compute(Task, xpm_heavy.Module):
    x: Param[int]

    @xpm_heavy.compile
    def execute(self):
        Path("result.txt").write_text(f"{type(xpm_heavy).__name__} {xpm_heavy.VALUE * self.x}")


@configuration()
class Settings(ConfigurationBase):
    x: int = 2


def run(helper: ExperimentHelper, cfg: Settings):
    Path("driver.txt").write_text(type(xpm_heavy).__name__)
    Compute.C(x=cfg.x).submit()
'''


def test_pre_experiment_mocks_for_the_driver_only(tmp_path):
    project = tmp_path / "project"
    (project / "lib" / "xpm_heavy").mkdir(parents=True)
    (project / "lib" / "xpm_heavy" / "__init__.py").write_text(HEAVY)
    (project / "experiment.py").write_text(EXPERIMENT)
    (project / "pre.py").write_text(
        "from experimaestro.experiments import mock_modules\nmock_modules(['xpm_heavy'])\n")
    yaml_file = project / "xp.yaml"
    yaml_file.write_text(textwrap.dedent("""\
        id: mocked
        file: experiment
        pythonpath: [lib]
        pre_experiment: pre.py
    """))
    ws = tmp_path / "ws"
    result = xpm("run-experiment", "--workdir", ws, yaml_file, cwd=project)
    assert result.returncode == 0, out(result)
    assert (project / "driver.txt").read_text() == "FakeModule"
    [job] = jobs_json(ws)
    assert job["state"] == "done"
    # The job imported the real library, and only the job did
    assert (Path(job["path"]) / "result.txt").read_text() == "module 84"
    assert len((project / "lib" / "imports.log").read_text().split()) == 1
