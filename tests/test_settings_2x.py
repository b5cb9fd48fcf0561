"""settings.yaml under experimaestro 2.7.0 and here, from the same file: the workspace
each run uses (triggers, --workspace, --workdir, the default), the environment its job
gets (top-level and workspace `env`, --env), and the run folders `history` keeps. The
scenario is tests/compat/settings_scenario.py; 2.7.0 runs in its own virtual environment
(.venv-ref27, see tests/compat/README.md)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from compat.settings_scenario import SETTINGS

ROOT = Path(__file__).resolve().parents[1]
COMPAT = ROOT / "tests" / "compat"


@pytest.fixture(scope="session")
def ref27(request):
    """The interpreter of experimaestro 2.7.0 (the compatibility environments are made
    when it is missing)."""
    python = ROOT / ".venv-ref27" / "bin" / "python"
    if _version(python) != "2.7.0":
        request.getfixturevalue("compat_envs")
    return python


def _version(python: Path) -> str:
    """The experimaestro of an interpreter, by itself (not the one of PYTHONPATH)."""
    if not python.exists():
        return ""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([str(python), "-c", "import experimaestro as x; print(x.__version__)"],
                          capture_output=True, text=True, cwd=COMPAT, env=env).stdout.strip()


def outcome(python: Path, pythonpath: str, folder: Path) -> dict:
    """Run the scenario with `python`, HOME in `folder` (2.7.0 reads only
    ~/.config/experimaestro/settings.yaml)."""
    home = folder / "home"
    (home / ".config" / "experimaestro").mkdir(parents=True)
    (home / ".config" / "experimaestro" / "settings.yaml").write_text(SETTINGS)
    env = {k: v for k, v in os.environ.items() if k not in ("XPM_CONFIG_DIR",
                                                             "XDG_CONFIG_HOME")}
    env.update(HOME=str(home), PYTHONPATH=pythonpath)
    out = folder / "outcome.json"
    result = subprocess.run([str(python), str(COMPAT / "settings_scenario.py"),
                             folder / "root", out], env=env, cwd=folder,
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return json.loads(out.read_text())


def test_settings_behave_as_in_2_7_0(ref27, tmp_path):
    (tmp_path / "ref").mkdir()
    (tmp_path / "ours").mkdir()
    ref = outcome(ref27, "", tmp_path / "ref")
    # ours: this tree's experimaestro
    ours = outcome(Path(sys.executable), str(ROOT), tmp_path / "ours")

    # the workspace and the environment of each run
    assert ref["trigger"]["workspace"] == "ir"  # "neuralir-*" matched "neuralir-1"
    assert ref["trigger"]["env"] == {"XPM_S_TOP": "top", "XPM_S_WS": "ir",
                                     "XPM_S_SHARED": "from-top", "XPM_S_NUM": "4",
                                     "XPM_S_CLI": "cli"}
    for step in ["trigger", "default", "workdir", "workspace and workdir",
                 "experiment(folder)"]:
        assert ours[step] == ref[step], step
    # the runs kept after each run: 2 completed, 1 failed, failures before a success go
    assert ref["history"][-1]["kept"] == [[4, "completed"], [6, "completed"]]
    assert ours["history"] == ref["history"]

    # The documented differences (docs/settings.md), pinned. A workspace's `history`:
    # 2.7.0 ignores it (it always reads the top-level one), here it applies (max_done: 1)
    assert ref["workspace history"][-1] == [[0, "completed"], [1, "completed"]]
    assert ours["workspace history"][-1] == [[1, "completed"]]
    # A run whose job failed: 2.7.0 exits with 0 and records the run as completed
    assert ref["failed job"] == {"exit code": 0, "kept": [[0, "completed"]]}
    assert ours["failed job"] == {"exit code": 1, "kept": [[0, "failed"]]}
