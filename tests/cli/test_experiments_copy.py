"""`experimaestro experiments copy`: a run and its job folders, to another workspace."""

import json
import os
import shutil

import fasteners
import pytest

from .helpers import copy_example, environment, jobs_json, out, start_waiting_run, xpm


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """Experiment `powers`: a run with x=1,2,3 (all done)."""
    root = tmp_path_factory.mktemp("xpcopy")
    yaml_file = copy_example(root / "xp")
    ws = root / "src"
    result = xpm("run-experiment", "--workdir", ws, "-c", "values=[1, 2, 3]", yaml_file,
                 cwd=root)
    assert result.returncode == 0, out(result)
    return ws


def _copy(src, dest, *args, cwd=None, **kwargs):
    return xpm("experiments", "copy", "--from-workdir", src, "--to-workdir", dest, *args,
               cwd=cwd or src.parent, **kwargs)


def _run_id(ws, name="powers"):
    return (ws / "experiments" / name / "current").resolve().name


def _states(ws):
    return {j["locator"]: j["state"] for j in jobs_json(ws, cwd=ws.parent)}


def test_dry_run_writes_nothing(source, tmp_path):
    dest = tmp_path / "dest"
    result = _copy(source, dest, "powers", "current")
    assert result.returncode == 0, out(result)
    run = _run_id(source)
    assert f"Experiment powers, run {run}" in result.stdout
    assert result.stdout.count("Would copy jobs/experiment.power/") == 3
    assert f"Would copy experiments/powers/{run} (the run folder)" in result.stdout
    assert f"Would set experiments/powers/current to {run}" in result.stdout
    assert "Jobs to copy: 3" in result.stdout and "add --perform, or --yes" in result.stdout
    assert not dest.exists()
    # The source may be given to the group, as for `experiments list`
    result = xpm("experiments", "--workdir", source, "copy", "--to-workdir", dest, "powers",
                 cwd=tmp_path)
    assert result.returncode == 0 and "Jobs to copy: 3" in result.stdout


def test_copy(source, tmp_path):
    dest = tmp_path / "dest"
    run = _run_id(source)
    result = _copy(source, dest, "powers", run, "--perform")
    assert result.returncode == 0, out(result)
    assert "Jobs copied: 3" in result.stdout
    assert f"experiments/powers/current is now {run}" in result.stdout
    # Both workspaces list the same jobs, in the same states, with the same times
    theirs = {j["locator"]: j for j in jobs_json(source, cwd=source.parent)}
    ours = {j["locator"]: j for j in jobs_json(dest, cwd=dest.parent)}
    assert {k: j["state"] for k, j in ours.items()} == {k: "done" for k in theirs}
    assert {k: j["submitted"] for k, j in ours.items()} == {
        k: j["submitted"] for k, j in theirs.items()}
    assert {k: j["tags"] for k, j in ours.items()} == {k: j["tags"] for k, j in theirs.items()}
    assert (dest / ".__experimaestro__").exists()
    assert not (dest / ".xpm-staging").exists()
    for job in ours.values():
        folder = dest / "jobs" / job["locator"]
        params = json.loads((folder / "params.json").read_text())
        assert params["workspace"] == str(dest)
        assert not (folder / "power.pid").exists() and not (folder / "power.lock").exists()
        assert (folder / "result.txt").exists()
        link = dest / "experiments" / "powers" / run / "jobs" / job["locator"]
        assert os.readlink(link).startswith("../") and link.resolve() == folder
    [listed] = json.loads(xpm("experiments", "list", "--workdir", dest, "--json",
                              cwd=tmp_path).stdout)
    assert (listed["run"], listed["status"], listed["jobs"]["done"]) == (run, "done", 3)
    # The experiment run again in the destination finds its jobs done: nothing runs
    results = {f: f.stat().st_mtime_ns for f in dest.glob("jobs/*/*/result.txt")}
    yaml_file = source.parent / "xp" / "experiment.yaml"
    again = xpm("run-experiment", "--workdir", dest, "-c", "values=[1, 2, 3]", yaml_file,
                cwd=tmp_path)
    assert again.returncode == 0, out(again)
    assert len(results) == 3 and {f: f.stat().st_mtime_ns for f in results} == results


def test_copy_again_skips_and_yes_is_2x_name(source, tmp_path):
    dest = tmp_path / "dest"
    assert _copy(source, dest, "powers", "current", "--yes").returncode == 0
    result = _copy(source, dest, "powers", "current", "-y")
    assert result.returncode == 0, out(result)
    assert result.stdout.count("Skip jobs/experiment.power/") == 3
    assert "already in the destination" in result.stdout
    assert "Jobs copied: 0\nJobs skipped: 3" in result.stdout
    assert f"Keep experiments/powers/{_run_id(source)}" in result.stdout


def test_a_later_run_stays_current(source, tmp_path):
    dest = tmp_path / "dest"
    later = dest / "experiments" / "powers" / "29990101_000000"
    later.mkdir(parents=True)
    (dest / "jobs").mkdir()
    (dest / "experiments" / "powers" / "current").symlink_to(later.name)
    result = _copy(source, dest, "powers", "current", "--perform")
    assert result.returncode == 0, out(result)
    assert "experiments/powers/current stays 29990101_000000 (a later run)" in result.stdout
    assert _run_id(dest) == "29990101_000000"
    assert (dest / "experiments" / "powers" / _run_id(source)).is_dir()


def test_a_missing_job_folder_is_an_error(source, tmp_path):
    src = tmp_path / "src"
    shutil.copytree(source, src, symlinks=True)
    removed = sorted((src / "jobs" / "experiment.power").iterdir())[0]
    shutil.rmtree(removed)
    dest = tmp_path / "dest"
    result = _copy(src, dest, "powers", "current", "--perform")
    assert result.returncode == 1
    assert f"error: jobs/experiment.power/{removed.name}: no such job folder" in result.stderr
    assert "Jobs copied: 2" in result.stdout and "Errors: 1" in result.stderr
    # The run is copied, without a link to the missing job
    links = list((dest / "experiments" / "powers" / _run_id(src)).glob("jobs/*/*"))
    assert len(links) == 2 and all(link.resolve().is_dir() for link in links)


def test_bad_arguments(source, tmp_path):
    result = _copy(source, source, "powers")
    assert result.returncode == 2 and "the same workspace" in result.stderr
    result = _copy(source, tmp_path / "d", "nope")
    assert result.returncode == 2 and "no experiment 'nope'" in result.stderr
    assert "known: powers" in result.stderr
    result = _copy(source, tmp_path / "d", "powers", "20000101_000000")
    assert result.returncode == 2 and "no run '20000101_000000'" in result.stderr
    assert _run_id(source) in result.stderr
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    result = _copy(source, busy, "powers", "current")
    assert result.returncode == 1 and "is not an experimaestro workspace" in result.stderr
    result = _copy(tmp_path / "d", tmp_path / "e", "powers")
    assert result.returncode == 1 and "is not an experimaestro workspace" in result.stderr


def test_refused_while_the_experiment_runs_in_the_destination(source, tmp_path):
    dest = tmp_path / "dest"
    (dest / "experiments" / "powers").mkdir(parents=True)
    (dest / "jobs").mkdir()
    lock = fasteners.InterProcessLock(str(dest / "experiments" / "powers" / "lock"))
    assert lock.acquire(blocking=False)
    try:
        result = _copy(source, dest, "powers", "current", "--perform")
    finally:
        lock.release()
    assert result.returncode == 1 and "experiment powers runs in" in result.stderr
    assert not list((dest / "jobs").iterdir())


def test_what_is_not_given_is_asked(source, tmp_path):
    """As 2.x: the workspaces of the settings file, the experiment and the run are asked
    for by number; the only run is taken."""
    config = tmp_path / "config"
    config.mkdir()
    dest = tmp_path / "dest"
    (config / "settings.yaml").write_text(
        f"workspaces:\n  - id: src\n    path: {source}\n  - id: dst\n    path: {dest}\n")
    env = environment(config)
    result = xpm("experiments", "copy", cwd=tmp_path, env=env, input="1\n1\n1\n")
    assert result.returncode == 0, out(result)
    assert "Source workspace:\n  1) src" in result.stdout and "2) dst" in result.stdout
    assert "Destination workspace:\n  1) dst" in result.stdout
    assert "Experiment:\n  1) powers" in result.stdout
    assert f"The only run of powers: {_run_id(source)}" in result.stdout
    assert "Jobs to copy: 3" in result.stdout
    # By id; nothing to read from: 2.x's prompt gives up too
    result = xpm("experiments", "copy", "--from-workspace", "src", "--to-workspace", "dst",
                 cwd=tmp_path, env=env, input="")
    assert result.returncode == 1 and "Aborted" in result.stderr
    result = xpm("experiments", "copy", "--from-workspace", "src", "--to-workspace", "dst",
                 "powers", "--yes", cwd=tmp_path, env=env)
    assert result.returncode == 0, out(result)
    assert len(_states(dest)) == 3
    # With no settings file, the workspaces must be given
    result = xpm("experiments", "copy", cwd=tmp_path, config_dir=tmp_path / "none")
    assert result.returncode == 2 and "give --from-workdir or --from-workspace" in result.stderr


def test_a_run_still_running(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    src, dest = tmp_path / "src", tmp_path / "dest"
    release = tmp_path / "release"
    driver = start_waiting_run(yaml_file, src, release, "[5]", cwd=tmp_path)
    try:
        result = _copy(src, dest, "powers", "current", "--perform")
        assert result.returncode == 0, out(result)
        assert "warning: powers runs in" in result.stderr
        assert "(running in the source: copied as it is now, not finished there)" \
            in result.stdout
        # Without the process record: in the destination it has yet to run
        assert list(_states(dest).values()) == ["pending"]
    finally:
        release.touch()
        stdout, stderr = driver.communicate(timeout=300)
    assert driver.returncode == 0, stderr
    assert list(_states(src).values()) == ["done"]
