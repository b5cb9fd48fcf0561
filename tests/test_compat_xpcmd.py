"""`experiments list`, `experiments copy`, `jobs stray` and `jobs recover`: experimaestro
2.7.0's commands and ours on workspaces 2.7.0 wrote (tests/compat/filter_workspace.py:
experiment `filters`, four jobs done, one failed). Where 2.7.0 departs from what its
documentation says, the test pins both behaviours (docs/cli.md lists the differences)."""

import fcntl
import json
import re
import shutil
import subprocess
import sys

import pytest

from test_compat_2x import COMPAT, REF, ROOT
from test_compat_filters import _env, make_workspace

FILTERS_LINE = re.compile(r"^filters \[(\S+)\] \((\d+)/(\d+) jobs\)$", re.MULTILINE)


@pytest.fixture(scope="module")
def ref_workspace(compat_envs, tmp_path_factory):
    """A workspace written by 2.7.0 (never changed by the tests: they work on copies)."""
    return make_workspace(tmp_path_factory.mktemp("xpcmd") / "ws")


def _copy(workspace, dest):
    shutil.copytree(workspace, dest, symlinks=True)
    return dest


def ref_cli(workspace, *args):
    """2.7.0's `experimaestro ARGS` (its settings in HOME/.config of the test)."""
    return subprocess.run([str(REF), "-m", "experimaestro", *map(str, args)],
                          cwd=workspace.parent, env=_env(workspace), capture_output=True,
                          text=True, timeout=300)


def our_cli(workspace, *args):
    env = {**_env(workspace), "PYTHONPATH": str(ROOT),
           "XPM_CONFIG_DIR": str(workspace.parent / ".config" / "experimaestro")}
    return subprocess.run([sys.executable, "-m", "experimaestro", *map(str, args)],
                          cwd=workspace.parent, env=env, capture_output=True, text=True,
                          timeout=300)


def _ok(result):
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result


def ref_experiment(workspace):
    """(host, finished jobs, jobs) of `filters` in 2.7.0's `experiments list`."""
    found = FILTERS_LINE.search(_ok(ref_cli(workspace, "experiments", "--workdir", workspace,
                                            "list")).stdout)
    assert found, "2.7.0 does not list the experiment filters"
    return found.group(1), int(found.group(2)), int(found.group(3))


def our_experiment(workspace):
    [run] = json.loads(_ok(our_cli(workspace, "experiments", "list", "--workdir", workspace,
                                   "--json")).stdout)
    assert run["experiment"] == "filters"
    return run["host"], run["jobs"]["done"], run["jobs"]["total"]


def ref_jobs(workspace) -> dict:
    """locator -> state of 2.7.0's `jobs list` (DONE, FAIL...)."""
    listed = _ok(ref_cli(workspace, "jobs", "--workdir", workspace, "list")).stdout
    return dict((loc, state) for state, loc in
                re.findall(r"^(\w+)\s+(\S+/[0-9a-f]{64})", listed, re.MULTILINE))


def our_jobs(workspace) -> dict:
    listed = _ok(our_cli(workspace, "jobs", "list", "--workdir", workspace, "--json")).stdout
    names = {"done": "DONE", "failed": "FAIL"}
    return {j["locator"]: names.get(j["state"], j["state"]) for j in json.loads(listed)}


def _settings(home, **workspaces):
    """settings.yaml in HOME/.config/experimaestro, read by both (ours: XPM_CONFIG_DIR)."""
    folder = home / ".config" / "experimaestro"
    folder.mkdir(parents=True, exist_ok=True)
    text = "workspaces:\n"
    for wid, (path, extra) in workspaces.items():
        text += f"  - id: {wid}\n    path: {path}\n{extra}"
    (folder / "settings.yaml").write_text(text)


def _outputs(workspace) -> dict:
    """Job folder -> modification time of its standard output (a rerun changes it)."""
    return {p.parent.name: p.stat().st_mtime_ns for p in workspace.glob("jobs/*/*/*.out")}


def _run_again(python, workspace):
    """The experiment of the workspace run again by `python` (2.7.0's, or ours)."""
    env = {**_env(workspace), "PYTHONPATH": f"{ROOT}:{COMPAT}" if python != REF
           else str(COMPAT)}
    return subprocess.run([str(python), "filter_workspace.py", str(workspace)], cwd=COMPAT,
                          env=env, capture_output=True, text=True, timeout=300)


def _done_outputs_unchanged(before: dict, after: dict, jobs: dict):
    done = {loc.split("/")[1] for loc, state in jobs.items() if state == "DONE"}
    assert len(done) == 4
    assert {k: after[k] for k in done} == {k: before[k] for k in done}


# -- experiments list ---------------------------------------------------------------------


def test_experiments_list_same_run_and_counts(ref_workspace):
    host, finished, total = ref_experiment(ref_workspace)
    assert (finished, total) == (4, 5)
    assert our_experiment(ref_workspace) == (host, finished, total)


# -- experiments copy ----------------------------------------------------------------------


def test_our_copy_of_a_2x_workspace_is_done_for_both(ref_workspace, tmp_path):
    src = _copy(ref_workspace, tmp_path / "src")
    dest = tmp_path / "dest"
    _ok(our_cli(src, "experiments", "copy", "--from-workdir", src, "--to-workdir", dest,
                "filters", "current", "--perform"))
    assert ref_jobs(dest) == ref_jobs(src) == our_jobs(dest)
    assert ref_experiment(dest) == ref_experiment(src)
    assert our_experiment(dest) == our_experiment(src)
    # 2.7.0 runs the experiment again there: the jobs done are not run again
    before = _outputs(dest)
    _run_again(REF, dest)
    _done_outputs_unchanged(before, _outputs(dest), ref_jobs(src))


def test_2x_copy_is_done_for_both(ref_workspace, tmp_path):
    src = _copy(ref_workspace, tmp_path / "src")
    dest = tmp_path / "dest"
    _settings(tmp_path, src=(src, ""), dst=(dest, ""))
    run = (src / "experiments" / "filters" / "current").resolve().name
    _ok(ref_cli(src, "experiments", "copy", "filters", run, "--from-workspace", "src",
                "--to-workspace", "dst", "--yes"))
    assert our_jobs(dest) == ref_jobs(src)
    assert our_experiment(dest) == our_experiment(src)
    # 2.7.0's copy: the run folder without its links to the jobs, no `current` link, and
    # a new destination without the workspace marker, which 2.7.0 then refuses
    assert not (dest / "experiments" / "filters" / run / "jobs").exists()
    assert not (dest / "experiments" / "filters" / "current").exists()
    refused = ref_cli(dest, "experiments", "--workdir", dest, "list")
    assert "is not an experimaestro working directory" in refused.stdout + refused.stderr
    # Copying again: 2.7.0 fails (the run folder exists); ours skips what is there
    again = ref_cli(src, "experiments", "copy", "filters", run, "--from-workspace", "src",
                    "--to-workspace", "dst", "--yes")
    assert again.returncode != 0 and "Directory not empty" in again.stderr
    ours = _ok(our_cli(src, "experiments", "copy", "filters", run, "--from-workspace", "src",
                       "--to-workspace", "dst", "--yes"))
    assert "Jobs copied: 0\nJobs skipped: 5" in ours.stdout
    # Ours runs the experiment again there: the jobs done are not run again
    before = _outputs(dest)
    _run_again(sys.executable, dest)
    _done_outputs_unchanged(before, _outputs(dest), ref_jobs(src))


# -- jobs stray -----------------------------------------------------------------------------


def _add_orphan(workspace) -> str:
    """A done job folder that no run references; its locator."""
    done = next(loc for loc, state in ref_jobs(workspace).items() if state == "DONE")
    orphan = done.split("/")[0] + "/" + "0" * 64
    shutil.copytree(workspace / "jobs" / done, workspace / "jobs" / orphan)
    return orphan


def ref_stray(workspace, *args):
    return _ok(ref_cli(workspace, "jobs", "--workdir", workspace, "stray", *args)).stdout


def test_stray_lists_and_deletes_the_same_orphans(ref_workspace, tmp_path):
    theirs = _copy(ref_workspace, tmp_path / "theirs")
    ours = _copy(ref_workspace, tmp_path / "ours")
    assert "No stray or orphan jobs found." in ref_stray(theirs)
    assert json.loads(_ok(our_cli(ours, "jobs", "stray", "--workdir", ours,
                                  "--json")).stdout) == []
    orphan = _add_orphan(theirs)
    assert _add_orphan(ours) == orphan
    listed = ref_stray(theirs)
    assert "Found 0 stray (running) and 1 orphan (finished) jobs:" in listed
    assert re.search(rf"^done\s+{re.escape(orphan)}$", listed, re.MULTILINE)
    [row] = json.loads(_ok(our_cli(ours, "jobs", "stray", "--workdir", ours,
                                   "--json")).stdout)
    assert (row["kind"], row["locator"], row["state"]) == ("orphan", orphan, "done")
    # 2.7.0 cannot delete them (it calls its own method with an argument it does not
    # take): the orphan stays
    failed = ref_cli(theirs, "jobs", "--workdir", theirs, "stray", "--delete", "--perform")
    assert failed.returncode == 1 and "TypeError" in failed.stderr
    assert "cascade_orphans" in failed.stderr and (theirs / "jobs" / orphan).exists()
    _ok(our_cli(ours, "jobs", "stray", "--workdir", ours, "--delete", "--perform"))
    assert not (ours / "jobs" / orphan).exists()
    assert ref_jobs(ours) == ref_jobs(ref_workspace)


def test_stray_while_an_experiment_runs(ref_workspace, tmp_path):
    """2.x documents that --perform is refused while an experiment runs (without
    --force); 2.7.0 never sees one running (its workspace reader is never `live`) and
    goes on to delete (where it fails, see above)."""
    theirs = _copy(ref_workspace, tmp_path / "theirs")
    ours = _copy(ref_workspace, tmp_path / "ours")
    orphan = _add_orphan(theirs)
    _add_orphan(ours)
    locks = [open(ws / "experiments" / "filters" / "lock", "a") for ws in (theirs, ours)]
    try:
        for f in locks:  # 2.x's experiment lock (flock): the experiment runs
            fcntl.flock(f, fcntl.LOCK_EX)
        result = ref_cli(theirs, "jobs", "--workdir", theirs, "stray", "--delete",
                         "--perform")
        assert "Scheduler appears to be running" not in result.stdout
        assert "Aborting" not in result.stdout and "delete_job_safely" in result.stderr
        refused = our_cli(ours, "jobs", "stray", "--workdir", ours, "--delete", "--perform")
        assert refused.returncode == 1 and "add --force" in refused.stderr
        assert "experiment(s) filters running" in refused.stderr
        assert (ours / "jobs" / orphan).exists()
    finally:
        for f in locks:
            f.close()


# -- jobs recover ---------------------------------------------------------------------------


def test_recover_from_a_backup_folder(ref_workspace, tmp_path):
    """The workspace's `folders` (2.x, beta): both copy the job back from the backup."""
    done = next(loc for loc, state in ref_jobs(ref_workspace).items() if state == "DONE")
    backup = tmp_path / "backup"
    shutil.copytree(ref_workspace / "jobs" / done, backup / "jobs" / done)
    recovered = {}
    for side, cli in (("theirs", ref_cli), ("ours", our_cli)):
        ws = _copy(ref_workspace, tmp_path / side / "ws")
        shutil.rmtree(ws / "jobs" / done)
        _settings(tmp_path / side, main=(ws, f"    folders:\n      - path: {backup}\n"
                                              "        mode: backup\n"))
        result = _ok(cli(ws, "jobs", "--workspace", "main", "recover", done))
        assert "Recovered" in result.stdout + result.stderr
        recovered[side] = sorted(str(p.relative_to(ws / "jobs" / done))
                                 for p in (ws / "jobs" / done).rglob("*"))
        assert ref_jobs(ws)[done] == "DONE"
    # The same files: neither copies the job's lock file nor its process record
    assert recovered["ours"] == recovered["theirs"]
    assert "power.done" in recovered["ours"] and "power.lock" not in recovered["ours"]


def test_recover_what_is_not_there_or_already_there(ref_workspace, tmp_path):
    """2.7.0 says a job already in the workspace is recovered, and exits with 0 when no
    folder holds the job; ours says what happened, and fails in the second case."""
    done = next(loc for loc, state in ref_jobs(ref_workspace).items() if state == "DONE")
    backup = tmp_path / "backup"
    (backup / "jobs").mkdir(parents=True)
    ws = _copy(ref_workspace, tmp_path / "ws")
    _settings(tmp_path, main=(ws, f"    folders:\n      - path: {backup}\n"
                                  "        mode: backup\n"))
    theirs = _ok(ref_cli(ws, "jobs", "--workspace", "main", "recover", done))
    assert f"Recovered {done}" in theirs.stdout
    ours = _ok(our_cli(ws, "jobs", "--workspace", "main", "recover", done))
    assert "(done): nothing to recover" in ours.stdout
    missing = done.split("/")[0] + "/" + "1" * 64
    theirs = ref_cli(ws, "jobs", "--workspace", "main", "recover", missing)
    assert theirs.returncode == 0 and "No folder contained job" in theirs.stdout
    ours = our_cli(ws, "jobs", "--workspace", "main", "recover", missing)
    assert ours.returncode == 1 and "no folder holds the job" in ours.stderr
