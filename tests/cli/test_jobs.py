"""`experimaestro jobs ...` on workspaces made by real runs."""

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import (copy_example, environment, jobs_json, out, start_waiting_run, start_xpm,
                      wait_for, xpm)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A workspace where x=1,3,4 are done and x=2 failed (experiment `powers`)."""
    root = tmp_path_factory.mktemp("jobs")
    yaml_file = copy_example(root / "xp")
    ws = root / "ws"
    result = xpm("run-experiment", "--workdir", ws, "-c", "fail_on=2", yaml_file, cwd=root)
    assert result.returncode == 1, out(result)
    return ws


def _by_x(ws):
    return {job["tags"]["x"]: job for job in jobs_json(ws)}


def test_list_table(workspace):
    result = xpm("jobs", "list", "--workdir", workspace, cwd=workspace.parent)
    assert result.returncode == 0, out(result)
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["JOB", "STATE", "SUBMITTED", "TAGS"]
    assert len(lines) == 5
    assert sum("failed" in line for line in lines[1:]) == 1
    assert all(line.startswith("experiment.power/") for line in lines[1:])
    assert any("exponent=3, x=2" in line and "failed" in line for line in lines)


def test_list_json_and_filters(workspace):
    jobs = _by_x(workspace)
    assert sorted(jobs) == [1, 2, 3, 4]
    assert jobs[2]["state"] == "failed" and jobs[2]["reason"] == "failed"
    assert {jobs[x]["state"] for x in (1, 3, 4)} == {"done"}
    assert jobs[1]["experiments"] == ["powers"]

    def xs(*args):
        return sorted(j["tags"]["x"] for j in jobs_json(workspace, *args))

    assert xs("--state", "failed") == [2]
    assert xs("--state", "error") == [2]
    assert xs("--state", "done", "--state", "failed") == [1, 2, 3, 4]
    assert xs("--filter", "state=done and x=3") == [3]
    assert xs("--filter", "state=failed and exponent=3") == [2]
    assert xs("--filter", "(x=1 or x=4) and state!=failed") == [1, 4]
    assert xs("--filter", "not (x=1 or x=2)") == [3, 4]
    assert xs("--filter", "x=3.0") == [3]  # numbers compare as numbers
    assert xs("--filter", "unknown_tag=1") == []
    assert xs("--filter", "unknown_tag!=1") == [1, 2, 3, 4]
    assert xs("--tag", "x=4") == [4]
    assert xs("--type", "power") == [1, 2, 3, 4]
    assert xs("--filter", "type=experiment.power and x=1") == [1]
    assert xs("--type", "other") == []
    assert xs("--experiment", "powers", "--state", "done") == [1, 3, 4]
    # Sorted by submission time, oldest first
    times = [j["submitted"] for j in jobs_json(workspace)]
    assert times == sorted(times)


def test_2x_filters(workspace):
    def xs(*args):
        return sorted(j["tags"]["x"] for j in jobs_json(workspace, *args))

    assert xs("--filter", '@state = "error"') == [2]
    assert xs("--filter", '@state = "done" and x in ["1", "3"]') == [1, 3]
    assert xs("--filter", 'x not in ["1", "3"]') == [2, 4]
    assert xs("--filter", '@name = "experiment.power" and exponent ~ "3"') == [1, 2, 3, 4]
    assert xs("--filter", '@name = "power"') == []  # the whole type id, as 2.x
    assert xs("--filter", "") == [1, 2, 3, 4]  # 2.x's default: no filter
    assert xs("--state", "done", "--filter", "x=1 or x=2") == [1]  # all must match


@pytest.mark.parametrize("expr, message", [
    ("state=", "expected a value (a word or a quoted string), got the end at position 7"),
    ("state=done and", "expected a comparison"),
    ("(x=1", "expected `and`, `or` or `)`, got the end"),
    ("x=1 y=2", "expected `and`, `or` or the end, got 'y'"),
    ("x='1", "unclosed quote"),
    ('@status = "done"', "unknown field '@status'"),
    ("x ~ '('", "invalid regular expression"),
])
def test_bad_filter(workspace, expr, message):
    result = xpm("jobs", "list", "--workdir", workspace, "--filter", expr, cwd=workspace.parent)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
    assert "Invalid value for --filter" in result.stderr
    assert f"\n  {expr}\n" in result.stderr  # the filter, then a caret under the position


def test_bad_state_and_tag_options(workspace):
    result = xpm("jobs", "list", "--workdir", workspace, "--state", "finished",
                 cwd=workspace.parent)
    assert result.returncode == 2 and "unknown state 'finished'" in result.stderr
    assert "Invalid value for --state" in result.stderr
    result = xpm("jobs", "list", "--workdir", workspace, "--tag", "x", cwd=workspace.parent)
    assert result.returncode == 2 and "'x': expected NAME=VALUE" in result.stderr


def _table(workspace, *args):
    result = xpm("jobs", "list", "--workdir", workspace, *args, cwd=workspace.parent)
    assert result.returncode == 0, out(result)
    return [line.split("  ")[0] for line in result.stdout.splitlines()]


def test_list_count(workspace):
    every = [j["locator"] for j in jobs_json(workspace)]
    assert len(every) == 4
    for option in ("-c", "-n", "--count"):
        assert [j["locator"] for j in jobs_json(workspace, option, "2")] == every[-2:]
    assert _table(workspace, "-c", "3")[1:] == every[-3:]  # the most recent, oldest first
    assert len(jobs_json(workspace, "-c", "0")) == 4  # 2.x's default: no limit
    result = xpm("jobs", "list", "--workdir", workspace, "-c", "-1", cwd=workspace.parent)
    assert result.returncode == 2 and "Invalid value for '--count'" in result.stderr


def test_list_tags_column(workspace):
    def lines(*args):
        result = xpm("jobs", "list", "--workdir", workspace, *args, cwd=workspace.parent)
        assert result.returncode == 0, out(result)
        return result.stdout.splitlines()

    assert lines()[0].split() == ["JOB", "STATE", "SUBMITTED", "TAGS"]
    assert lines("--tags") == lines()
    hidden = lines("--no-tags")
    assert hidden[0].split() == ["JOB", "STATE", "SUBMITTED"]
    assert len(hidden) == 5 and not any("x=" in line for line in hidden)


def test_list_names_jobs_in_full_unless_on_a_terminal(workspace):
    every = [j["locator"] for j in jobs_json(workspace)]
    assert _table(workspace)[1:] == every  # a pipe: whole identifiers (for scripts)
    primary, secondary = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "experimaestro", "jobs", "list", "--workdir", workspace],
            stdout=secondary, stderr=subprocess.PIPE, cwd=workspace.parent, timeout=60,
            env=environment(workspace.parent / ".xpm-config"))
        os.close(secondary)
        assert result.returncode == 0, result.stderr
        shown = _read_all(primary).decode()
    finally:
        os.close(primary)
    names = [line.split("  ")[0] for line in shown.splitlines()[1:]]
    assert names == [f"{loc.split('/')[0]}/{loc.split('/')[1][:12]}" for loc in every]


def _read_all(fd: int) -> bytes:
    data = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the terminal's other side is closed, all was read
            return data
        if not chunk:
            return data
        data += chunk


def test_unknown_experiment_and_not_a_workspace(workspace, tmp_path):
    result = xpm("jobs", "list", "--workdir", workspace, "--experiment", "nope",
                 cwd=workspace.parent)
    assert result.returncode == 2 and "no experiment 'nope'" in result.stderr
    assert "known: powers" in result.stderr
    result = xpm("jobs", "list", "--workdir", tmp_path, cwd=tmp_path)
    assert result.returncode == 1 and "is not an experimaestro workspace" in result.stderr


def test_group_level_workdir(workspace):
    result = xpm("jobs", "--workdir", workspace, "list", "--json", cwd=workspace.parent)
    assert result.returncode == 0, out(result)
    assert len(json.loads(result.stdout)) == 4


def test_path_and_lookup(workspace):
    jobs = _by_x(workspace)
    job = jobs[3]
    for ref in (job["id"][:10], f"power/{job['id'][:10]}", f"experiment.power/{job['id']}",
                job["id"].upper()[:10]):
        result = xpm("jobs", "path", "--workdir", workspace, ref, cwd=workspace.parent)
        assert result.returncode == 0, out(result)
        assert result.stdout.strip() == job["path"]
    result = xpm("jobs", "path", "--workdir", workspace, "other/" + job["id"][:10],
                 cwd=workspace.parent)
    assert result.returncode == 1 and "no job matches" in result.stderr


def test_ambiguous_prefix_lists_the_matches(tmp_path):
    ws = tmp_path / "ws"
    ids = ["abc1" + "0" * 60, "abc2" + "0" * 60, "abd0" + "0" * 60]
    for type_id, identifier in zip(["a.task", "b.other", "a.task"], ids):
        folder = ws / "jobs" / type_id / identifier
        folder.mkdir(parents=True)
        (folder / "params.json").write_text("{}")
    result = xpm("jobs", "path", "--workdir", ws, "abc", cwd=tmp_path)
    assert result.returncode == 1
    assert "'abc' matches 2 jobs; give more digits" in result.stderr
    assert f"a.task/{ids[0]} (pending)" in result.stderr
    assert f"b.other/{ids[1]} (pending)" in result.stderr
    assert ids[2] not in result.stderr
    # The type narrows the search
    result = xpm("jobs", "path", "--workdir", ws, "task/abc", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == str(ws / "jobs/a.task" / ids[0])


def test_log(workspace):
    jobs = _by_x(workspace)
    result = xpm("jobs", "log", "--workdir", workspace, jobs[2]["id"][:12], cwd=workspace.parent)
    assert result.returncode == 0, out(result)
    assert "RuntimeError: failure requested for x=2" in result.stdout
    result = xpm("jobs", "log", "--workdir", workspace, "--stdout", jobs[4]["id"][:12],
                 cwd=workspace.parent)
    assert result.returncode == 0 and result.stdout == "4 ** 3 = 64\n"
    result = xpm("jobs", "log", "--workdir", workspace, "--std", jobs[4]["id"][:12],
                 cwd=workspace.parent)  # 2.x's name of --stdout
    assert result.returncode == 0 and result.stdout == "4 ** 3 = 64\n"
    # -f on an ended job prints the log and returns
    result = xpm("jobs", "log", "-f", "--workdir", workspace, "--stdout", jobs[1]["id"][:12],
                 cwd=workspace.parent)
    assert result.returncode == 0 and result.stdout == "1 ** 3 = 1\n"


def test_kill_needs_a_running_job(workspace):
    job = _by_x(workspace)[1]
    result = xpm("jobs", "kill", "--workdir", workspace, "--perform", job["id"][:12],
                 cwd=workspace.parent)
    assert result.returncode == 1 and "not running (done)" in result.stderr
    result = xpm("jobs", "kill", "--workdir", workspace, cwd=workspace.parent)
    assert result.returncode == 2 and "give the JOBs to kill" in result.stderr


def test_clean(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    result = xpm("run-experiment", "--workdir", ws, "-c", "fail_on=2", yaml_file, cwd=tmp_path)
    assert result.returncode == 1, out(result)
    jobs = _by_x(ws)
    # An orphan: a job folder that no experiment run references
    orphan = ws / "jobs" / "some.task" / ("ab" * 32)
    orphan.mkdir(parents=True)
    (orphan / "params.json").write_text("{}")
    (orphan / "task.done").write_text("")

    dry = xpm("jobs", "clean", "--workdir", ws, cwd=tmp_path)
    assert dry.returncode == 0, out(dry)
    assert f"Would remove {jobs[2]['path']} [failed, " in dry.stdout
    assert f"Would remove {orphan} [orphaned, " in dry.stdout
    assert "Would remove 2 job folder(s)" in dry.stdout and "add --perform" in dry.stdout
    assert orphan.exists() and Path(jobs[2]["path"]).exists()

    only_failed = xpm("jobs", "clean", "--workdir", ws, "--no-orphans", cwd=tmp_path)
    assert str(orphan) not in only_failed.stdout and jobs[2]["path"] in only_failed.stdout

    done = xpm("jobs", "clean", "--workdir", ws, "--perform", cwd=tmp_path)
    assert done.returncode == 0, out(done)
    assert "Removed 2 job folder(s)" in done.stdout
    assert not orphan.exists() and not Path(jobs[2]["path"]).exists()
    assert sorted(_by_x(ws)) == [1, 3, 4]
    again = xpm("jobs", "clean", "--workdir", ws, cwd=tmp_path)
    assert "Nothing to clean" in again.stdout


def test_kill_a_running_job(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    release = tmp_path / "release"
    driver = start_xpm("run-experiment", "--workdir", ws, "-c", "values=[5, 6]",
                       "-c", f"wait_for={release}", yaml_file, cwd=tmp_path)
    try:
        def running():
            if not (ws / "jobs").exists():
                return []
            return [j for j in jobs_json(ws, cwd=tmp_path) if j["state"] == "running"]

        wait_for(lambda: len(running()) == 2, what="the jobs to start")
        jobs = {j["tags"]["x"]: j for j in running()}
        target = jobs[5]["id"][:12]

        dry = xpm("jobs", "kill", "--workdir", ws, target, cwd=tmp_path)
        assert dry.returncode == 0, out(dry)
        assert "Would kill experiment.power/" in dry.stdout and "SIGTERM" in dry.stdout
        assert "add --perform" in dry.stdout
        assert len(running()) == 2

        killed = xpm("jobs", "kill", "--workdir", ws, "--perform", target, cwd=tmp_path)
        assert killed.returncode == 0, out(killed)
        assert "Killed experiment.power/" in killed.stdout

        def state(x):
            return {j["tags"]["x"]: j for j in jobs_json(ws, cwd=tmp_path)}[x]

        wait_for(lambda: state(5)["state"] == "failed", what="the killed job to end")
        assert state(5)["reason"] == "cancelled"
        assert state(6)["state"] == "running"
        cancelled = jobs_json(ws, "--state", "cancelled", cwd=tmp_path)
        assert [j["tags"]["x"] for j in cancelled] == [5]
        release.touch()
        stdout, stderr = driver.communicate(timeout=300)
        assert driver.returncode == 1, stderr
        assert "[cancelled]" in stderr and "1 job(s) failed" in stderr
        assert state(6)["state"] == "done"
    finally:
        release.touch()
        if driver.poll() is None:
            driver.kill()
            driver.communicate()


def test_kill_by_filter(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    release = tmp_path / "release"
    driver = start_waiting_run(yaml_file, ws, release, "[7, 8]", cwd=tmp_path, running=2)
    try:
        killed = xpm("jobs", "kill", "--workdir", ws, "--experiment", "powers", "--perform",
                     cwd=tmp_path)
        assert killed.returncode == 0, out(killed)
        assert killed.stdout.count("Killed") == 2
        stdout, stderr = driver.communicate(timeout=300)
        assert driver.returncode == 1
        assert {j["reason"] for j in jobs_json(ws, cwd=tmp_path)} == {"cancelled"}
    finally:
        release.touch()
        if driver.poll() is None:
            driver.kill()
            driver.communicate()


def test_slurm_kill_uses_scancel(tmp_path):
    """A job whose pid file says slurm is cancelled with `scancel ID` (a fake scancel here,
    recording its arguments; the real cluster is exercised by the Slurm tests)."""
    ws = tmp_path / "ws"
    job = ws / "jobs" / "my.task" / ("cd" * 32)
    job.mkdir(parents=True)
    (job / "params.json").write_text("{}")
    (job / "task.pid").write_text(json.dumps({"type": "slurm", "pid": "4242"}))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    record = tmp_path / "scancel.txt"
    scancel = bin_dir / "scancel"
    scancel.write_text(f"#!/bin/sh\necho \"$@\" > {record}\n")
    scancel.chmod(0o755)
    from .helpers import environment
    import os

    env = environment(tmp_path / "config", PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    dry = xpm("jobs", "kill", "--workdir", ws, "cdcd", cwd=tmp_path, env=env)
    assert "Would kill my.task/cdcdcdcdcdcd: Slurm job 4242 (scancel 4242)" in dry.stdout
    assert not record.exists()
    done = xpm("jobs", "kill", "--workdir", ws, "--perform", "task/cdcd", cwd=tmp_path, env=env)
    assert done.returncode == 0, out(done)
    assert record.read_text().strip() == "4242"

    # (cancelled while queued: the folder records it)
    assert json.loads((job / "task.failed").read_text())["reason"] == "cancelled"
    (job / "task.failed").unlink()
    # A record written by a launcher with a binpath: that installation's scancel
    other_bin = tmp_path / "other-bin"
    other_bin.mkdir()
    other_record = tmp_path / "other-scancel.txt"
    (other_bin / "scancel").write_text(f"#!/bin/sh\necho \"$@\" > {other_record}\n")
    (other_bin / "scancel").chmod(0o755)
    (job / "task.pid").write_text(json.dumps({"type": "slurm", "pid": "4343",
                                              "binpath": str(other_bin)}))
    done = xpm("jobs", "kill", "--workdir", ws, "--perform", "task/cdcd", cwd=tmp_path, env=env)
    assert done.returncode == 0, out(done)
    assert other_record.read_text().strip() == "4343"
    assert record.read_text().strip() == "4242"


def test_lost_local_job_is_failed(tmp_path):
    """A pid file whose process is gone, and no marker: the job is reported failed (lost)."""
    ws = tmp_path / "ws"
    job = ws / "jobs" / "my.task" / ("ef" * 32)
    job.mkdir(parents=True)
    (job / "params.json").write_text("{}")
    (job / "task.pid").write_text(json.dumps({"type": "local", "pid": 2**22 + 12345}))
    [info] = jobs_json(ws, cwd=tmp_path)
    assert info["state"] == "failed" and info["reason"] == "lost"
    shutil.rmtree(ws)
