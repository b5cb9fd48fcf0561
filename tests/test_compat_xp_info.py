"""load_xp_info on runs of both implementations: a run written by experimaestro 2.7.0 (its
own virtual environment) and one written by ours, each read by both: the same jobs and
actions, with the same identifiers."""

import json
import subprocess
import sys

from test_compat_2x import COMPAT, REF


def _call(python, home, *args, check=True):
    env = {"HOME": str(home), "XPM_CONFIG_DIR": str(home / "config"),
           "PATH": "/usr/bin:/bin", "NO_COLOR": "1", "PYTHONPATH": str(COMPAT)}
    result = subprocess.run([str(python), "xp_info.py", *map(str, args)], cwd=COMPAT,
                            env=env, capture_output=True, text=True, timeout=300)
    if not check:
        return result
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result.stdout.strip().splitlines()[-1]


def _check(info: dict):
    """Both jobs, each with the identifier of its job folder, and the action."""
    assert sorted(kind for kind, _ in info["jobs"].values()) == [
        "compat.xpinfo.evaluate", "compat.xpinfo.train"]
    for job_id, (_, identifier) in info["jobs"].items():
        assert identifier == job_id
    assert [(d, i) for i, (d, _) in info["actions"].items()] == [
        ("export the model", next(iter(info["actions"])))]


def test_each_reads_the_runs_of_the_other(compat_envs, tmp_path):
    runs = {}
    for side, python in (("ref", REF), ("ours", sys.executable)):
        home = tmp_path / side
        home.mkdir()
        runs[side] = (home, _call(python, home, "write", home / "ws"))

    # A run of ours: 2.7.0's reader and ours give the same jobs and actions
    home, run = runs["ours"]
    by_ours = json.loads(_call(sys.executable, home, "read", run))
    _check(by_ours)
    assert json.loads(_call(REF, home, "read", run)) == by_ours

    # A run of 2.7.0: ours reads it (the identifiers of the rebuilt tasks are those of
    # their job folders: 2.x marks a submitted task as its own task in params.json)
    home, run = runs["ref"]
    by_ours_of_ref = json.loads(_call(sys.executable, home, "read", run))
    _check(by_ours_of_ref)
    assert by_ours_of_ref == by_ours
    # 2.7.0 cannot read its own run: it loads the classes' module again from its file
    # for each object ("file" key), and a Train then refuses the Model of another copy
    own = _call(REF, home, "read", run, check=False)
    assert own.returncode != 0 and "is not a subtype of <class 'xp_info_tasks.Model'>" \
        in own.stderr
