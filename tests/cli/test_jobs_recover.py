"""`experimaestro jobs recover`: a job folder lost from the workspace, copied back from a
folder that holds it (--from, or the workspace's `folders` in the settings file)."""

import json
import shutil

import pytest

from experimaestro.jobfolder import JobFolder

from .helpers import copy_example, jobs_json, out, xpm


@pytest.fixture
def lost(tmp_path):
    """(workspace, backup folder, the job): x=1,2 done; x=1 copied to the backup, then
    removed from the workspace."""
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    result = xpm("run-experiment", "--workdir", ws, "-c", "values=[1, 2]", yaml_file,
                 cwd=tmp_path)
    assert result.returncode == 0, out(result)
    job = next(j for j in jobs_json(ws, cwd=tmp_path) if j["tags"]["x"] == 1)
    backup = tmp_path / "backup"
    shutil.copytree(job["path"], backup / "jobs" / job["locator"], symlinks=True)
    shutil.rmtree(job["path"])
    return ws, backup, job


def _recover(ws, *args, **kwargs):
    return xpm("jobs", "recover", "--workdir", ws, *args, cwd=ws.parent, **kwargs)


def _state(ws, job):
    found = [j for j in jobs_json(ws, cwd=ws.parent) if j["id"] == job["id"]]
    return found[0]["state"] if found else None


def test_recover_from_a_folder(lost):
    ws, backup, job = lost
    assert _state(ws, job) is None
    result = _recover(ws, "--from", backup, job["locator"])
    assert result.returncode == 0, out(result)
    assert f"Recovered {job['locator']} (done) from {backup} into {job['path']}" \
        in result.stdout
    assert _state(ws, job) == "done"
    folder = JobFolder.of(job["path"])
    assert not folder.lock_file.exists() and not folder.pid.exists()
    assert (folder.path / "result.txt").read_text() == "1"
    assert json.loads(folder.params.read_text())["workspace"] == str(ws)
    assert not (ws / ".xpm-staging").exists()
    # Once there, it is never replaced
    again = _recover(ws, "--from", backup, job["id"][:10])
    assert again.returncode == 0, out(again)
    assert "is already in" in again.stdout and "(done): nothing to recover" in again.stdout


def test_the_folders_of_the_settings_file(lost, tmp_path):
    """2.x's command reads the workspace's `folders` (any mode)."""
    ws, backup, job = lost
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.yaml").write_text(
        f"workspaces:\n  - id: main\n    path: {ws}\n    folders:\n"
        f"      - path: {tmp_path / 'elsewhere'}\n        mode: use\n"
        f"      - path: {backup}\n        mode: backup\n")
    result = xpm("jobs", "recover", "--workspace", "main", f"power/{job['id'][:12]}",
                 cwd=tmp_path, config_dir=config)
    assert result.returncode == 0, out(result)
    assert f"warning: {tmp_path / 'elsewhere'} holds no jobs/ folder" in result.stderr
    assert f"from {backup} into" in result.stdout
    assert _state(ws, job) == "done"


def test_from_another_workspace_rewrites_its_paths(lost, tmp_path):
    ws, backup, job = lost
    other = tmp_path / "other"
    shutil.copytree(backup, other)
    params = other / "jobs" / job["locator"] / "params.json"
    data = json.loads(params.read_text())
    data["workspace"] = str(other)
    params.write_text(json.dumps(data))
    result = _recover(ws, "--from", other, job["locator"])
    assert result.returncode == 0, out(result)
    assert json.loads((ws / "jobs" / job["locator"] / "params.json").read_text())[
        "workspace"] == str(ws)


def test_what_is_not_recovered(lost, tmp_path):
    ws, backup, job = lost
    result = _recover(ws, job["locator"])
    assert result.returncode == 2 and "no folder to recover from: give --from" in result.stderr
    empty = tmp_path / "empty"
    (empty / "jobs").mkdir(parents=True)
    result = _recover(ws, "--from", empty, "--from", backup, "abc")
    assert result.returncode == 1
    assert f"no folder holds the job 'abc' (searched: {empty}, {backup})" in result.stderr
    # A job of the workspace that is not done is not replaced
    other = next(j for j in jobs_json(ws, cwd=ws.parent) if j["tags"]["x"] == 2)
    shutil.copytree(other["path"], backup / "jobs" / other["locator"])
    JobFolder.of(other["path"]).done.unlink()
    JobFolder.of(other["path"]).write_failure("failed", "broken")
    result = _recover(ws, "--from", backup, other["locator"])
    assert result.returncode == 1 and "(failed): not replaced; remove" in result.stderr
    # Two jobs of the folder match: more digits are needed
    result = _recover(ws, "--from", backup, "power/")
    assert result.returncode == 1 and "expected a job identifier prefix" in result.stderr
    twin = job["id"][:63] + ("0" if job["id"][63] != "0" else "1")
    shutil.copytree(backup / "jobs" / job["locator"],
                    backup / "jobs" / job["type"] / twin)
    result = _recover(ws, "--from", backup, job["id"][:63])
    assert result.returncode == 1 and "matches 2 jobs; give more digits" in result.stderr


def test_a_job_that_runs_in_the_folder(lost):
    ws, backup, job = lost
    lock = JobFolder.of(backup / "jobs" / job["locator"]).try_lock()
    try:
        result = _recover(ws, "--from", backup, job["locator"])
    finally:
        lock.release()
    assert result.returncode == 1 and "recover it once it has ended" in result.stderr
    assert _state(ws, job) is None


def test_a_link_to_a_missing_folder_is_replaced(lost, tmp_path):
    """2.x's `move` folders leave a link in the workspace: when its target is gone, the
    job is recovered in its place."""
    ws, backup, job = lost
    (ws / "jobs" / job["locator"]).symlink_to(tmp_path / "gone")
    result = _recover(ws, "--from", backup, job["locator"])
    assert result.returncode == 0, out(result)
    assert "a link to a missing folder" in result.stderr
    assert _state(ws, job) == "done"
