"""2.x's tutorial demo (its shape: tests/compat/tutorial/mnist_xp) under experimaestro
2.7.0 and under ours, on a host without GPU and without launchers.py: both run it to the
end on the local launcher, with the same configuration, results folder and jobs."""

import os
import re
import subprocess
import sys

from test_compat_2x import COMPAT, REF

TUTORIAL = COMPAT / "tutorial" / "mnist_xp"


def _run(python, home):
    env = {"HOME": str(home), "XPM_CONFIG_DIR": str(home / "config"), "NO_COLOR": "1",
           "PATH": f"{os.path.dirname(python)}:/usr/bin:/bin"}
    return subprocess.run([str(python), "-m", "experimaestro", "run-experiment",
                           "--workdir", str(home / "ws"), "params.yaml"], cwd=TUTORIAL,
                          env=env, capture_output=True, text=True, timeout=600)


def _jobs(ws):
    return sorted(p.name for p in (ws / "jobs" / "tutorial.learn").iterdir()
                  if (p / "learn.done").exists())


def test_the_tutorial_runs_the_same(compat_envs, tmp_path):
    outcomes = {}
    for side, python in (("ref", REF), ("ours", sys.executable)):
        home = tmp_path / side
        home.mkdir()
        result = _run(python, home)
        assert result.returncode == 0, (side, (result.stdout + result.stderr)[-4000:])
        outcome = re.search(r"^OUTCOME .*$", result.stdout, re.M)
        assert outcome, (side, result.stdout[-2000:])
        outcomes[side] = (outcome.group(0), _jobs(home / "ws"))
        assert "Will launch tasks using DirectLauncher" in result.stderr, side
        if side == "ours":
            # Never silently: the host lacks the GPU asked for
            assert "does not fit: the GPUs asked for (cuda(mem=4G))" in result.stderr
    assert outcomes["ours"] == outcomes["ref"]
    assert len(outcomes["ours"][1]) == 2
