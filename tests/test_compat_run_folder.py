"""The run-folder API of 2.x (xp.workdir, jobspath, resultspath, save, load): the same
script under experimaestro 2.7.0 (its own virtual environment) and under ours gives the
same paths, the same saved files and the same loaded configurations."""

import json
import subprocess
import sys

from test_compat_2x import COMPAT, REF


def _run(python, tmp_path, side, *args):
    ws = tmp_path / side / "ws"
    ws.parent.mkdir(parents=True, exist_ok=True)
    env = {"HOME": str(ws.parent), "XPM_CONFIG_DIR": str(ws.parent / "config"),
           "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    result = subprocess.run([str(python), "run_folder.py", str(ws), *args], cwd=COMPAT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_run_folder_api_matches_2x(compat_envs, tmp_path):
    ref = _run(REF, tmp_path, "ref")
    ours = _run(sys.executable, tmp_path, "ours")
    assert ref["workdir"] == "experiments/demo/RUNID"
    assert ours == ref
    assert ours["loaded"] == ours["expected"]


def test_each_loads_what_the_other_saved(compat_envs, tmp_path):
    ref = _run(REF, tmp_path, "ref")
    ours = _run(sys.executable, tmp_path, "ours")
    assert _run(sys.executable, tmp_path, "ref", "read")["loaded"] == ref["expected"]
    assert _run(REF, tmp_path, "ours", "read")["loaded"] == ours["expected"]
