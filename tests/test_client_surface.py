"""The import surface that real client packages use (tests/client-surface.md, copied from
shared/compat: facts gathered from xpmir, xpm-torch, xpm-mlboard, datamaestro...)."""

import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

SURFACE = (Path(__file__).parent / "client-surface.md").read_text()


def _top_level_names():
    section = SURFACE.split("**Top-level `experimaestro` names**")[1].split("**Internal")[0]
    section = section.split(":", 1)[1].split("plus `import experimaestro`")[0]
    return sorted(set(re.findall(r"\b([A-Za-z_][A-Za-z_0-9]*)\b(?: \d+)?", section))
                  - {"each"})


def _module_rows():
    rows = []
    for line in SURFACE.splitlines():
        m = re.match(r"\| `(experimaestro[\w.]*)` \| (.*?) \|", line)
        if m:
            names = re.findall(r"`?\b([A-Za-z_]\w*)\b`?(?: \(\d+\))?", m.group(2))
            names = [n for n in names if n not in ("module", "lazy", "attribute")]
            rows.append((m.group(1), names))
    return rows


def test_the_surface_file_was_parsed():
    assert len(_top_level_names()) >= 30
    assert len(_module_rows()) == 25


@pytest.mark.parametrize("name", _top_level_names())
def test_top_level_name(name):
    import experimaestro

    assert getattr(experimaestro, name) is not None


@pytest.mark.parametrize("module,names", _module_rows(), ids=[m for m, _ in _module_rows()])
def test_module_path(module, names):
    if module == "experimaestro.mkdocs.base":
        pytest.importorskip("mkdocs")
    mod = importlib.import_module(module)
    missing = [n for n in names if not hasattr(mod, n)]
    assert not missing, f"{module} lacks {missing}"


def test_mkdocs_documentation_attribute_after_a_bare_import():
    """datamaestro reads experimaestro.mkdocs.base.Documentation after `import
    experimaestro` only."""
    pytest.importorskip("mkdocs")
    code = "import experimaestro; print(experimaestro.mkdocs.base.Documentation.__name__)"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout
    assert out.strip() == "Documentation"


def test_the_surface_modules_keep_import_experimaestro_light():
    """Importing experimaestro does not import the compatibility modules (only the
    package and core/hooks.py, through which core reaches the scheduler)."""
    code = ("import sys, experimaestro; print(json.dumps(sorted(m for m in sys.modules"
            " if m.startswith('experimaestro'))))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], check=True,
                         capture_output=True, text=True).stdout
    assert json.loads(out) == ["experimaestro", "experimaestro.core", "experimaestro.core.hooks"]


# -- the public API of 2.x, beyond what the client packages use --------------------------

#: experimaestro 2.7.0's ``experimaestro.__all__``, as 2.7.0 defines it
TWO_X_ALL = [
    "__version__", "cache", "Array", "TagDict", "tag", "tags", "tagspath", "stop_tags",
    "STDOUT", "STDERR", "deprecate", "initializer", "config_only", "Identifier", "Param",
    "Option", "Meta", "DataPath", "OptionalDataPath", "Annotated", "Constant", "field",
    "help", "Any", "SubmitHook", "load", "load_configs", "load_xp_info", "ExperimentInfo",
    "save", "state_dict", "from_state_dict", "from_task_dir", "serialize", "deserialize",
    "SerializationContext", "SerializationLWTask", "PathSerializationLWTask",
    "pathgenerator", "PathGenerator", "partial", "param_group", "ParameterGroup", "Partial",
    "Config", "InstanceConfig", "copyconfig", "setmeta", "sealed_set", "DependentMarker",
    "Prepare", "Task", "ResumableTask", "LightweightTask", "ObjectStore", "Scheduler",
    "experiment", "FailedExperiment", "DirtyGitError", "GracefulExperimentExit",
    "GracefulTimeout", "TaskCancelled", "Workspace", "RunMode", "TransientMode", "Job",
    "set_launcher", "Launcher", "LauncherRegistry", "progress", "tqdm", "Choices",
    "DirectoryContext", "documentation", "DirtyGitAction", "Action", "Interaction",
    "CLIInteraction", "Path",
]


@pytest.mark.parametrize("name", TWO_X_ALL)
def test_every_name_of_2x_all(name):
    import experimaestro

    assert getattr(experimaestro, name) is not None
    assert name == "__version__" or name in experimaestro.__all__


@pytest.mark.parametrize("module,names", [
    ("experimaestro.scheduler", ["Scheduler", "Workspace", "RunMode", "experiment",
                                 "FailedExperiment", "DirtyGitError",
                                 "GracefulExperimentExit", "Job", "JobState"]),
    ("experimaestro.generators", ["Generator", "PathGenerator", "pathgenerator"]),
    ("experimaestro.annotations", ["Array", "STDOUT", "STDERR", "config_only"]),
    ("experimaestro.launcherfinder.registry", ["LauncherRegistry"]),
])
def test_module_paths_of_2x_public_names(module, names):
    mod = importlib.import_module(module)
    assert [n for n in names if not hasattr(mod, n)] == []

