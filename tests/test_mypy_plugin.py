"""experimaestro.mypy: mypy checks `Cls.C(...)` against the fields of `Cls`.

Each line of SAMPLE that mypy must flag ends with `# E: <part of the message>`; the
other lines must pass. Where experimaestro 2.7.0's plugin (run with mypy 2.4.1 on the
same lines) says something else, a `# 2.x:` comment says what: on this sample, every
line ours flags is flagged by 2.7.0's plugin too (which flags 13 more lines, wrongly).
"""

import os
import re
import textwrap
from pathlib import Path

import pytest

api = pytest.importorskip("mypy.api", reason="mypy is not installed (pip install '.[mypy]')")

ROOT = Path(__file__).resolve().parents[1]

SAMPLE = '''
from pathlib import Path
from typing import Generic, List, Optional, TypeVar

import experimaestro as xpm
from experimaestro import (Config, Constant, DataPath, InstanceConfig, LightweightTask, Meta,
                           Option, Param, Task, field)
from experimaestro.core.objects import Config as Config2x

T = TypeVar("T")


class Model(Config):
    hidden: Param[int]
    dropout: Param[float] = 0.1
    name: Meta[str]
    old: Option[str]
    version: Constant[int] = 2
    opt: Param[Optional[int]]
    items: Param[List[int]] = field(default_factory=list)  # 2.x: assignment ("field")
    path: Meta[Path] = field(default=Path("a"))  # 2.x: assignment ("field")
    data: DataPath


class Big(Model):
    layers: Param[int]


class Learner(Task):
    model: Param[Model]
    epochs: Param[int] = 10

    def execute(self) -> None:
        pass


class Evaluate(Task):  # 2.x: two [override] errors (submit of Task and LightweightTask)
    learner: Param[Learner]

    def task_outputs(self, dep) -> Model:
        return dep(self.learner.model)

    def execute(self) -> None:
        pass


m = Model.C(hidden=3, data=Path("x"))  # 2.x: missing "opt" (Optional: None at run time)
Model.C(hidden="3", data=Path("x"))  # E: Argument "hidden" to "Model" has incompatible type "str"
Model.C(dropout=0.2, data=Path("x"))  # E: Missing named argument "hidden"
Model.C(hidden=3, data=Path("x"), unknown=1)  # E: Unexpected keyword argument "unknown"
Model.C(hidden=3, data=Path("x"), version=3)  # E: Unexpected keyword argument "version"
Model.C(hidden=3)  # E: Missing named argument "data"
Model.C(hidden=3, data=Path("x"), name=5)  # E: Argument "name" to "Model" has incompatible
Model.C(hidden=3, data=Path("x"), old=5)  # E: Argument "old" to "Model" has incompatible
Model.C(3, data=Path("x"))  # E: Too many positional arguments
Model.XPMConfig(hidden=3, data=Path("x"))

# Inherited fields (2.x checks subclasses against the fields of their parent only)
Big.C(hidden=1, layers=2, data=Path("x"))  # 2.x: unexpected "layers" for "Model"
Big.C(hidden=1, layers="2", data=Path("x"))  # E: Argument "layers" to "Big" has incompatible
Big.C(hidden=1, data=Path("x"))  # E: Missing named argument "layers" for "Big"

learner = Learner.C(model=m)
Learner.C(model=3)  # E: Argument "model" to "Learner" has incompatible type "int"
Learner.C(model=Big.C(hidden=1, layers=2, data=Path("x")))
reveal_type(learner.submit())  # N: "sample.Learner"
reveal_type(Evaluate.C(learner=learner).submit())  # N: "sample.Model"
learner.submit(launcher=None, workspace=None)
learner.submit(foo=1)  # E: Unexpected keyword argument "foo" for "submit"
reveal_type(Model.C)  # N: "type[sample.Model]"
reveal_type(m.hidden)  # N: "int"
reveal_type(m.name)  # N: "str"
wrong: str = m.hidden  # E: Incompatible types in assignment
m.tag("a", 1)  # 2.x: "Model" has no attribute "tag"
m.tag("a")  # E: Missing positional argument
reveal_type(m.__xpm__)  # N: "experimaestro.core.information.ConfigInformation"


class Defaults(Config):
    x: Param[int] = field(default="a")  # E: expression has type "str", variable has type "int"
    y: Param[int] = field(default_factory=lambda: 3)
    z: Param[str] = field(default_factory=lambda: 3)  # E: expression has type "int"
    v: Param[Optional[int]] = field(default=None)
    k: xpm.Meta[int]
    c: xpm.Constant[int] = 1


Defaults.C(c=2)  # E: Unexpected keyword argument "c" for "Defaults"
Defaults.C(k="a")  # E: Argument "k" to "Defaults" has incompatible type "str"


# A field named like a method of configuration objects: the field wins, as at run time
class Logged(Task):
    stdout: Meta[Path]
    tags: Param[int] = 0

    def execute(self) -> None:
        pass


reveal_type(Logged.C(stdout=Path("x")).stdout)  # N: "pathlib.Path"


# A method named like one of configuration objects: only submit() is added
class OwnCopy(Task):
    x: Param[int]

    def copy(self, deep: bool) -> "OwnCopy":
        return self

    def execute(self) -> None:
        pass


reveal_type(OwnCopy.C(x=1).submit())  # N: "sample.OwnCopy"


class Generic1(Config, Generic[T]):
    value: Param[T]


Generic1[int].C(value=1)  # 2.x: Argument "value" has incompatible type "int"; expected "T"
reveal_type(Generic1.C)  # N: "type[sample.Generic1[Any]]"


class Instance1(InstanceConfig):
    a: Param[int]


Instance1.C(a=1)  # 2.x: unexpected keyword argument "a" for "InstanceConfig"


class Light(LightweightTask):
    a: Param[int]

    def execute(self) -> None:
        pass


Light.C()  # E: Missing named argument "a" for "Light"


class Old(Config2x):
    a: Param[int]


Old.C(a="x")  # E: Argument "a" to "Old" has incompatible type "str"
'''

NOTE = re.compile(r"# (E|N): (.*)$")


def _mypy(folder: Path, files: dict, plugin: bool = True, cache: bool = False):
    """Run mypy on `files` ({name: code}) in `folder`; the (file, line, kind, message)
    of its errors and notes, and its report."""
    config = ["[mypy]", f"mypy_path = {ROOT}", "show_error_codes = True"]
    if plugin:
        config.append("plugins = experimaestro.mypy")
    # experimaestro is read, not checked (as an installed package is)
    config += ["", "[mypy-experimaestro.*]", "follow_imports = silent", "ignore_errors = True"]
    (folder / "mypy.ini").write_text("\n".join(config) + "\n")
    for name, code in files.items():
        (folder / name).write_text(textwrap.dedent(code))
    args = ["--config-file", str(folder / "mypy.ini"), "--cache-dir",
            str(folder / ".mypy_cache") if cache else "/dev/null", *map(str, files)]
    here = os.getcwd()
    os.chdir(folder)
    try:
        stdout, stderr, _ = api.run(args)
    finally:
        os.chdir(here)
    found = []
    for line in stdout.splitlines():
        match = re.match(r"(\S+?):(\d+): (error|note): (.*)", line)
        if match and match.group(1) in files:
            found.append((match.group(1), int(match.group(2)), match.group(3),
                          match.group(4)))
    return found, stdout + stderr


def _expected(code: str):
    """{line: [(kind, text)]} from the `# E:` / `# N:` comments."""
    expected = {}
    for number, line in enumerate(code.splitlines(), 1):
        match = NOTE.search(line)
        if match:
            expected[number] = ("error" if match.group(1) == "E" else "note",
                                match.group(2).strip())
    return expected


def test_plugin_checks_configurations_as_the_sample_says(tmp_path):
    found, report = _mypy(tmp_path, {"sample.py": SAMPLE})
    expected = _expected(SAMPLE)
    by_line = {}
    for _, line, kind, message in found:
        if kind == "note" and not message.startswith("Revealed type"):
            continue  # explanations attached to an error
        by_line.setdefault(line, []).append((kind, message))
    lines = SAMPLE.splitlines()
    for line, messages in sorted(by_line.items()):
        assert line in expected, f"unexpected at line {line} ({lines[line - 1]!r}): {messages}"
    for line, (kind, text) in sorted(expected.items()):
        got = by_line.get(line, [])
        assert any(k == kind and text in message for k, message in got), \
            f"line {line} ({lines[line - 1]!r}): expected {kind} {text!r}, got {got}\n{report}"


def test_without_the_plugin_fields_have_their_types(tmp_path):
    """Plain mypy reads `Param[int]` as `int` (as with 2.x); `field(...)` is the class
    field, as with 2.x; `.C` is not understood (Any)."""
    code = '''
        from experimaestro import Config, Param, Meta, field

        class Model(Config):
            hidden: Param[int]
            name: Meta[str] = field(default="a")  # E: expression has type "field"

        reveal_type(Model.C(hidden="x").hidden)  # N: "Any"
        model = Model()
        reveal_type(model.hidden)  # N: "int"
    '''
    found, report = _mypy(tmp_path, {"plain.py": code}, plugin=False)
    expected = _expected(textwrap.dedent(code))
    got = {line: (kind, message) for _, line, kind, message in found}
    assert set(got) == set(expected), report
    for line, (kind, text) in expected.items():
        assert got[line][0] == kind and text in got[line][1], report


def test_fields_of_other_modules_come_from_the_cache(tmp_path):
    """In incremental runs, a class of an unchanged module comes from mypy's cache: its
    fields (and which are Meta or Constant) are kept in the class metadata."""
    models = '''
        from experimaestro import Config, Constant, Meta, Param

        class Model(Config):
            hidden: Param[int]
            name: Meta[str]
            version: Constant[int] = 1
    '''
    use = '''
        from experimaestro import Param
        from models import Model

        class Big(Model):
            layers: Param[int] = 2

        Big.C(hidden=1)
        Big.C(hidden=1, version=2)
        Big.C(layers=1)
        Big.C(hidden=1).tag("a", 1)
    '''
    files = {"models.py": models, "use.py": use}
    first, report = _mypy(tmp_path, files, cache=True)
    assert [(line, message.split(" [")[0].strip()) for _, line, _, message in first] == [
        (9, 'Unexpected keyword argument "version" for "Big"'),
        (10, 'Missing named argument "hidden" for "Big"'),
    ], report
    # use.py changes, models.py comes from the cache
    again, report = _mypy(tmp_path, {"use.py": textwrap.dedent(use) + "# changed\n"},
                          cache=True)
    assert again == first, report


def test_the_package_lists_its_lazy_names_for_type_checkers():
    """`import experimaestro` resolves its names lazily (__getattr__), which type checkers
    do not run: the `if TYPE_CHECKING:` block imports the same names from the same
    modules."""
    import ast

    import experimaestro

    tree = ast.parse((ROOT / "experimaestro" / "__init__.py").read_text())
    [block] = [node for node in tree.body if isinstance(node, ast.If)
               and getattr(node.test, "id", None) == "TYPE_CHECKING"]
    imported = {}
    for node in block.body:
        module = ("experimaestro." + node.module) if node.level else node.module
        for alias in node.names:
            assert alias.asname == alias.name  # `X as X`: an explicit re-export
            imported[alias.name] = module
    assert imported == experimaestro._LAZY
