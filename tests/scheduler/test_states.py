"""States that tell the truth (issue 12): what every reader shows for jobs that did not
run, and the command line's refusals."""

import json

import pytest

from experimaestro import FailedExperiment, experiment
from experimaestro.jobfolder import FailureReason, JobFolder

from cli.helpers import xpm
from xpm_fixtures.tasks import Add, Fail


@pytest.fixture
def skipped(tmp_path):
    """A workspace where a job failed and its dependent was therefore not run."""
    ws = tmp_path / "ws"
    with pytest.raises(FailedExperiment):
        with experiment(ws, "skipped"):
            out = Fail.C(x=1).submit()
            dependent = Add.C(x=2, previous=out)
            dependent.submit()
    return ws, dependent.__xpm__.job


def test_a_job_skipped_for_its_dependency_is_recorded_in_its_folder(skipped):
    ws, job = skipped
    state = JobFolder(job.path, job.name).state()
    assert (state.state, state.reason) == ("failed", "dependency")
    assert "xpm_fixtures.tasks.fail" in state.message and "failed" in state.message
    assert json.loads(job.failedpath.read_text())["code"] is None  # it never ran


def test_every_reader_shows_it(skipped, tmp_path):
    ws, job = skipped
    listed = xpm("jobs", "list", "--workdir", ws, "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    by_type = {j["type"]: j for j in json.loads(listed.stdout)}
    assert (by_type["xpm_fixtures.tasks.add"]["state"],
            by_type["xpm_fixtures.tasks.add"]["reason"]) == ("failed", "dependency")
    found = xpm("jobs", "list", "--workdir", ws, "--state", "dependency", "--json",
                cwd=tmp_path)
    assert [j["type"] for j in json.loads(found.stdout)] == ["xpm_fixtures.tasks.add"]
    log = xpm("jobs", "log", "--workdir", ws, f"xpm_fixtures.tasks.add/{job.identifier}",
              cwd=tmp_path)
    assert log.returncode != 0
    assert "no log, the job did not run (failed (dependency): dependency" in log.stderr
    clean = xpm("jobs", "clean", "--workdir", ws, cwd=tmp_path)
    assert f"Would remove {job.path} [failed (dependency)" in clean.stdout


def test_a_job_recorded_as_not_run_runs_in_the_next_experiment(tmp_path):
    ws = tmp_path / "ws"
    task = Add.C(x=7)
    with experiment(ws, "first"):
        task.submit()
    job = task.__xpm__.job
    job.donepath.unlink()  # as if it had been skipped: its dependency failed then
    JobFolder(job.path, job.name).write_failure(FailureReason.DEPENDENCY, "x failed", None)
    again = Add.C(x=7)
    with experiment(ws, "second"):
        again.submit()
    assert again.__xpm__.job.donepath.exists() and not again.__xpm__.job.failedpath.exists()


def test_unknown_states_are_refused_with_the_valid_ones(skipped, tmp_path):
    ws, _ = skipped
    result = xpm("jobs", "list", "--workdir", ws, "--state", "bogus", cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown state 'bogus'; the states are done, failed, running, queued, pending," in \
        result.stderr
    for reason in FailureReason:
        assert reason.value in result.stderr


def test_a_closed_pipe_ends_quietly(tmp_path):
    import subprocess
    import sys

    ws = tmp_path / "ws"
    for i in range(3000):  # more lines than a pipe holds
        (ws / "jobs" / "my.task" / f"{i:064x}").mkdir(parents=True)
    # `experimaestro jobs list | head -c 1`: the reader leaves after one byte
    command = (f"{sys.executable} -m experimaestro jobs list --workdir {ws}"
               " | head -c 1 > /dev/null")
    result = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120)
    assert result.stderr == "", result.stderr


def test_unknown_states_in_a_filter_are_refused_where_they_are(skipped, tmp_path):
    ws, _ = skipped
    result = xpm("jobs", "list", "--workdir", ws, "--filter", "x=1 and state=bogus",
                 cwd=tmp_path)
    assert result.returncode != 0
    assert "unknown state 'bogus' (the states are done, failed, running, queued, pending" in \
        result.stderr
    assert "at position 15" in result.stderr  # where bogus starts
