"""`experimaestro jobs stray`: running jobs that no current run uses (a real job left
running by an interrupted run, the experiment run again without it), and orphans."""

import fcntl
import json
import signal

import fasteners

from experimaestro.jobfolder import JobFolder

from .helpers import copy_example, jobs_json, out, start_waiting_run, wait_for, xpm


def _stray(ws, *args):
    return xpm("jobs", "stray", "--workdir", ws, *args, cwd=ws.parent)


def _stray_json(ws, *args):
    result = _stray(ws, "--json", *args)
    assert result.returncode == 0, out(result)
    return json.loads(result.stdout)


def _orphan(ws, type_id="some.task", identifier="ab" * 32, marker="done"):
    folder = ws / "jobs" / type_id / identifier
    folder.mkdir(parents=True)
    (folder / "params.json").write_text("{}")
    (folder / f"task.{marker}").write_text("")
    return folder


def test_a_job_left_running_by_an_earlier_run(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    release = tmp_path / "release"
    # Keep the interrupted run: the history of the settings would remove a failed run
    # older than a completed one, and with it what says that `powers` used the job
    (tmp_path / ".xpm-config").mkdir()
    (tmp_path / ".xpm-config" / "settings.yaml").write_text(
        "history:\n  max_done: 5\n  max_failed: 5\n")
    driver = start_waiting_run(yaml_file, ws, release, "[5]", cwd=tmp_path)
    try:
        # The current run uses the running job: not stray
        assert _stray_json(ws, "--force") == []
        driver.send_signal(signal.SIGINT)  # the driver ends; its job goes on
        driver.communicate(timeout=120)
        # The experiment changed: its new run does not use x=5
        result = xpm("run-experiment", "--workdir", ws, "-c", "values=[6]",
                     "-c", "fail_on=6", yaml_file, cwd=tmp_path)
        assert result.returncode == 1, out(result)

        [stray] = _stray_json(ws)
        assert stray["kind"] == "stray" and stray["state"] == "running"
        assert stray["tags"]["x"] == 5 and stray["experiments"] == ["powers"]
        listed = _stray(ws)
        assert listed.returncode == 0, out(listed)
        assert "1 stray (running or queued) and 0 orphan job(s)" in listed.stdout
        assert f"stray  {stray['locator']}  running  powers" in listed.stdout

        dry = _stray(ws, "--kill")
        assert dry.returncode == 0, out(dry)
        assert "Would kill experiment.power/" in dry.stdout and "SIGTERM" in dry.stdout
        assert "add --perform" in dry.stdout
        assert _stray_json(ws)[0]["state"] == "running"

        killed = _stray(ws, "--kill", "--perform")
        assert killed.returncode == 0, out(killed)
        assert "Killed experiment.power/" in killed.stdout
        job = stray["id"]
        wait_for(lambda: {j["id"]: j for j in jobs_json(ws, cwd=tmp_path)}[job]["state"]
                 == "failed", what="the killed job to end")
        assert {j["id"]: j for j in jobs_json(ws, cwd=tmp_path)}[job]["reason"] == "cancelled"
        # Ended, and an earlier run references it: neither stray nor orphan
        assert _stray_json(ws) == []
    finally:
        release.touch()
        if driver.poll() is None:
            driver.kill()
            driver.communicate()


def test_orphans_listed_and_deleted(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    result = xpm("run-experiment", "--workdir", ws, "-c", "values=[1]", yaml_file,
                 cwd=tmp_path)
    assert result.returncode == 0, out(result)
    done = _orphan(ws)
    failed = _orphan(ws, "other.task", "cd" * 32, "failed")
    locked = _orphan(ws, "other.task", "ef" * 32)
    lock = JobFolder(locked, "task").try_lock()  # a process is about to run it
    try:
        rows = _stray_json(ws, "--size")
        assert [(r["kind"], r["path"]) for r in rows] == [
            ("orphan", str(failed)), ("orphan", str(locked)), ("orphan", str(done))]
        assert all(r["size"] > 0 for r in rows)
        table = _stray(ws, "--size", "--fullpath").stdout
        assert "0 stray (running or queued) and 3 orphan job(s)" in table
        assert table.splitlines()[1].split() == ["KIND", "JOB", "STATE", "SIZE", "EXPERIMENTS"]
        [line] = [line for line in table.splitlines() if str(done) in line]
        assert line.split() == ["orphan", str(done), "done", "2", "B"]

        dry = _stray(ws, "--delete")
        assert dry.returncode == 0, out(dry)
        assert f"Would remove {done}" in dry.stdout and f"Would remove {failed}" in dry.stdout
        assert "kept (a process holds its lock)" in dry.stderr
        assert done.exists() and failed.exists()

        deleted = _stray(ws, "--delete", "--perform")
        assert deleted.returncode == 0, out(deleted)
        assert f"Removed {done}" in deleted.stdout
        assert not done.exists() and not failed.exists() and locked.exists()
    finally:
        lock.release()
    # The jobs of the experiment were never candidates
    assert len(jobs_json(ws, cwd=tmp_path)) == 2  # x=1, and the locked orphan
    assert _stray(ws).stdout.count("orphan  ") == 1


def test_nothing_performed_while_an_experiment_runs(tmp_path):
    ws = tmp_path / "ws"
    orphan = _orphan(ws)
    (ws / "experiments" / "powers").mkdir(parents=True)
    lock = fasteners.InterProcessLock(str(ws / "experiments" / "powers" / "lock"))
    assert lock.acquire(blocking=False)
    try:
        listed = _stray(ws)
        assert listed.returncode == 0 and "experiment(s) powers running" in listed.stderr
        refused = _stray(ws, "--delete", "--perform")
        assert refused.returncode == 1 and "add --force" in refused.stderr
        assert orphan.exists()
        forced = _stray(ws, "--delete", "--perform", "--force")
        assert forced.returncode == 0, out(forced)
        assert not orphan.exists()
    finally:
        lock.release()


def test_a_2x_experiment_lock_counts_too(tmp_path):
    """2.x holds the experiment's lock with flock (ours: lockf)."""
    ws = tmp_path / "ws"
    orphan = _orphan(ws)
    (ws / "experiments" / "other").mkdir(parents=True)
    with open(ws / "experiments" / "other" / "lock", "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        refused = _stray(ws, "--delete", "--perform")
    assert refused.returncode == 1 and "experiment(s) other running" in refused.stderr
    assert orphan.exists()


def test_nothing_to_report(tmp_path):
    (tmp_path / "ws" / "jobs").mkdir(parents=True)
    result = _stray(tmp_path / "ws")
    assert result.returncode == 0 and result.stdout.strip() == "No stray or orphan job"
    result = _stray(tmp_path / "ws", "--kill", "--delete")
    assert result.returncode == 0 and "add --perform" not in result.stdout
