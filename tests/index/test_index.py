"""The workspace index (.experimaestro/index.sqlite): the answers of `jobs list` and
`results` do not depend on it (deleted, rebuilt, damaged, new), it follows the job folders
(removed, added, a running job's metrics), it trusts the state of ended jobs until
`workspace reindex` (the documented trade-off), and the drivers keep it up to date."""

import json
import os
import shutil
import sqlite3
import time

import pytest

from experimaestro import FailedExperiment, Results, experiment
from xpm_fixtures.tasks import Gated

from cli.helpers import jobs_json, out, wait_for, xpm

from .helpers import build_workspace, fit

INDEX = (".experimaestro", "index.sqlite")


def answers(ws, cwd):
    """What `jobs list --json` and `results --format json` (every column) say."""
    result = xpm("results", "--workdir", ws, "--format", "json", "--columns", "*", cwd=cwd)
    assert result.returncode == 0, out(result)
    return jobs_json(ws, cwd=cwd), json.loads(result.stdout)


def age(ws, seconds=3600):
    """Date the folders of the jobs `seconds` back, as if they had been written long ago
    (the index reads again a folder changed within the last two seconds anyway)."""
    when = time.time() - seconds
    for root, dirs, _ in os.walk(ws / "jobs"):
        for name in dirs:
            os.utime(os.path.join(root, name), (when, when))
    os.utime(ws / "jobs", (when, when))


def index_file(ws):
    return ws.joinpath(*INDEX)


def remove_index(ws):
    for suffix in ("", "-wal", "-shm"):
        path = index_file(ws).with_name(index_file(ws).name + suffix)
        path.unlink(missing_ok=True)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A workspace of seven ended jobs, its folders dated an hour back; the tests of this
    module that change it restore it."""
    ws = tmp_path_factory.mktemp("index") / "ws"
    jobs = build_workspace(ws)
    age(ws)
    return ws, jobs


def test_the_answers_do_not_depend_on_the_index(workspace, tmp_path):
    ws, jobs = workspace
    first = answers(ws, tmp_path)
    listed, records = first
    assert len(listed) == 7 and len(records) == 7
    assert {j["id"] for j in listed} == {r["id"] for r in records} == \
        {j.identifier for j in jobs.values()}
    assert {j["id"]: j["state"] for j in listed} == {
        j.identifier: "failed" if name in ("diverged", "fail", "add") else "done"
        for name, j in jobs.items()}
    assert index_file(ws).exists()
    assert answers(ws, tmp_path) == first  # (from the index)

    remove_index(ws)
    assert answers(ws, tmp_path) == first  # (a new index)

    result = xpm("workspace", "reindex", "--workdir", ws, cwd=tmp_path)
    assert result.returncode == 0 and "Indexed 7 jobs" in result.stdout, out(result)
    assert answers(ws, tmp_path) == first

    # in the library too
    assert [r["id"] for r in Results(ws).to_records()] == [r["id"] for r in records]


def test_a_damaged_index_is_set_aside_and_rebuilt(workspace, tmp_path):
    ws, _ = workspace
    first = answers(ws, tmp_path)
    size = index_file(ws).stat().st_size
    with open(index_file(ws), "r+b") as f:
        f.write(b"this is not an SQLite database" * (size // 30 + 1))
    assert answers(ws, tmp_path) == first
    [aside] = index_file(ws).parent.glob("index.sqlite.damaged-*")
    assert aside.read_bytes().startswith(b"this is not an SQLite database")
    with sqlite3.connect(index_file(ws)) as db:  # a working index again
        assert db.execute("SELECT count(*) FROM jobs").fetchone() == (7,)
    assert answers(ws, tmp_path) == first
    aside.unlink()


def test_a_job_folder_removed_or_added_by_hand(workspace, tmp_path):
    ws, jobs = workspace
    answers(ws, tmp_path)  # (the index is up to date)
    removed = jobs["fit-0.01-32"]
    kept = tmp_path / "kept"
    shutil.move(removed.path, kept)
    try:
        listed, records = answers(ws, tmp_path)
        assert removed.identifier not in {j["id"] for j in listed} | {r["id"] for r in records}
        assert len(listed) == len(records) == 6
        assert len(Results(ws).filter(tags={"lr": 0.01})) == 1
    finally:
        shutil.move(kept, removed.path)
    listed, records = answers(ws, tmp_path)  # (back: it appears again)
    assert removed.identifier in {j["id"] for j in listed} and len(records) == 7
    [row] = [r for r in records if r["id"] == removed.identifier]
    assert row["state"] == "done" and row["metric.accuracy"] == 0.89
    # its tags come from the runs that use it: back too
    assert row["tag.lr"] == 0.01 and row["experiments"] == "sweep"

    # a whole type folder
    age(ws)
    answers(ws, tmp_path)
    type_folder = jobs["fail"].path.parent
    shutil.move(type_folder, kept)
    try:
        listed, records = answers(ws, tmp_path)
        assert {j["id"] for j in listed} == {r["id"] for r in records} == {
            j.identifier for name, j in jobs.items() if name != "fail"}
    finally:
        shutil.move(kept, type_folder)
    assert len(answers(ws, tmp_path)[0]) == 7

    # a job folder copied in from another workspace (in a type folder the index knows)
    other = tmp_path / "other"
    with experiment(other, "elsewhere"):
        task = fit(0.3, 8)
        task.submit()
    job = task.__xpm__.job
    age(ws)
    answers(ws, tmp_path)
    copied = ws / "jobs" / job.type_id / job.identifier
    shutil.copytree(job.path, copied)
    try:
        listed, records = answers(ws, tmp_path)
        assert len(listed) == len(records) == 8
        [row] = [r for r in records if r["id"] == job.identifier]
        assert row["state"] == "done" and row["metric.accuracy"] == pytest.approx(0.6)
        assert row["experiments"] == "" and row["param.model.hidden"] == 8
        assert row["path"] == str(copied)
    finally:
        shutil.rmtree(copied)
    assert len(answers(ws, tmp_path)[0]) == 7


def test_a_removed_done_marker_is_seen_after_reindex(workspace, tmp_path):
    """The index trusts the state of an ended job (docs: `workspace reindex` after changing
    job folders by hand); a command on that one job reads its folder."""
    ws, jobs = workspace
    job = jobs["fit-0.1-64"]
    first = answers(ws, tmp_path)
    done = job.path / "fit.done"
    log = job.path / "fit.err"
    saved_done, saved_log = done.read_bytes(), log.read_bytes()
    done_times = (done.stat().st_atime, done.stat().st_mtime)  # (its ended time)
    done.unlink()
    log.unlink()
    try:
        # jobs list, results and Results: still done (from the index)
        assert answers(ws, tmp_path) == first
        assert Results(ws).filter(state="done", tags={"lr": 0.1, "hidden": 64}).rows()
        # a command on that job reads its folder now: the job has to run again
        result = xpm("jobs", "log", "--workdir", ws, job.identifier[:10], cwd=tmp_path)
        assert result.returncode == 1, out(result)
        assert f"{log}: no log yet (the job is pending)" in result.stderr, out(result)
        result = xpm("jobs", "path", "--workdir", ws, job.identifier[:10], cwd=tmp_path)
        assert result.returncode == 0 and result.stdout.strip() == str(job.path), out(result)

        result = xpm("workspace", "reindex", "--workdir", ws, cwd=tmp_path)
        assert result.returncode == 0, out(result)
        listed, records = answers(ws, tmp_path)
        assert {j["id"]: j["state"] for j in listed}[job.identifier] == "pending"
        [row] = [r for r in records if r["id"] == job.identifier]
        assert row["state"] == "pending" and row["ended"] is None
        assert row["metric.accuracy"] == 0.9  # (its metrics file is still there)
        assert len(jobs_json(ws, "--state", "pending", cwd=tmp_path)) == 1
        assert not Results(ws).filter(state="done", tags={"lr": 0.1, "hidden": 64}).rows()
    finally:
        done.write_bytes(saved_done)
        os.utime(done, done_times)
        log.write_bytes(saved_log)
        age(ws)
    # (a marker that comes back on a job the index has as pending is seen at once)
    assert answers(ws, tmp_path)[0] == first[0]


def test_the_metrics_of_a_running_job(tmp_path):
    """While a job runs, each reading shows its last metric values (read again every
    time), and the driver's row in the index says it runs."""
    ws, gate = tmp_path / "ws", tmp_path / "gate"
    cwd = tmp_path

    def seen(expected):
        """True when Results and `experimaestro results` both show `expected` (state, last
        loss)."""
        [row] = Results(ws).rows()
        result = xpm("results", "--workdir", ws, "--format", "json", "--columns",
                     "state,metric.*", cwd=cwd)
        assert result.returncode == 0, out(result)
        [record] = json.loads(result.stdout)
        return (row.state, row.metrics.get("loss")) == expected and \
            (record["state"], record.get("metric.loss")) == expected

    with experiment(ws, "live"):
        task = Gated.C(steps=3, gate=gate)
        task.submit()
        job = task.__xpm__.job
        wait_for(lambda: seen(("running", 0.0)), 60, "the first step")
        with sqlite3.connect(index_file(ws)) as db:  # (written by the driver, or a reading)
            assert db.execute("SELECT state FROM jobs WHERE identifier = ?",
                              (job.identifier,)).fetchall() == [("running",)]
        gate.write_text("1")
        wait_for(lambda: seen(("running", 1.0)), 60, "the second step")
        gate.write_text("2")
    assert seen(("done", 2.0))
    assert Results(ws).rows()[0].metrics == {"loss": 2.0, "final": 1}


def test_the_driver_updates_the_index(tmp_path):
    """After an experiment, without any command having read the workspace, the index holds
    the final state and metrics of the jobs the experiment ran."""
    ws = tmp_path / "ws"
    with pytest.raises(FailedExperiment):
        with experiment(ws, "driven"):
            tasks = [fit(0.1, 64), fit(0.2, 32), fit(1.0, 64, diverge=True)]
            for task in tasks:
                task.submit()
    assert index_file(ws).exists()
    with sqlite3.connect(index_file(ws)) as db:
        rows = db.execute("SELECT j.identifier, j.state, j.reason, d.task, j.ended, d.metrics"
                          " FROM jobs j JOIN details d USING (workspace, type_id, identifier)"
                          ).fetchall()
    by_id = {identifier: rest for identifier, *rest in rows}
    assert set(by_id) == {t.__xpm__.job.identifier for t in tasks}
    done, other, diverged = (by_id[t.__xpm__.job.identifier] for t in tasks)
    assert done[:3] == ["done", None, "xpm_fixtures.tasks.Fit"] and done[3] is not None
    assert json.loads(done[4]) == {"loss": pytest.approx(1 / 3, abs=1e-6), "val": 0.5,
                                   "accuracy": 0.9}
    assert other[0] == "done" and json.loads(other[4])["accuracy"] == pytest.approx(0.7)
    assert diverged[:2] == ["failed", "failed"] and json.loads(diverged[4]) == {"loss": 10.0}
    # and what the commands read from it (the tags from the run) is right
    assert {r.identifier: (r.state, r.tags["lr"]) for r in Results(ws)} == {
        t.__xpm__.job.identifier: (s, lr) for t, s, lr in zip(
            tasks, ("done", "done", "failed"), (0.1, 0.2, 1.0))}


def test_a_job_run_again_is_updated_by_its_driver(tmp_path):
    """The index trusts the state of an ended job: when a driver runs it again (a failed
    job, in a later experiment), the driver's update is what the commands then show."""
    ws, flag = tmp_path / "ws", tmp_path / "fail"
    flag.touch()
    with pytest.raises(FailedExperiment):
        with experiment(ws, "flaky"):
            task = fit(0.1, 64, fail_if=flag)
            task.submit()
    age(ws)
    listed, records = answers(ws, tmp_path)
    assert [(j["state"], j["reason"]) for j in listed] == [("failed", "failed")]
    assert records[0].get("metric.accuracy") is None
    first_ended = listed[0]["ended"]
    flag.unlink()
    with experiment(ws, "flaky"):
        fit(0.1, 64, fail_if=flag).submit()
    listed, records = answers(ws, tmp_path)
    assert [(j["state"], j["reason"]) for j in listed] == [("done", None)]
    assert listed[0]["ended"] > first_ended
    assert records[0]["metric.accuracy"] == 0.9 and records[0]["state"] == "done"
    assert [r.metrics["accuracy"] for r in Results(ws).filter(state="done")] == [0.9]


def test_tags_after_experiments_list(tmp_path):
    """The first command after an experiment is `experiments list` (it reads the runs, not
    the jobs): the jobs the driver put in the index still get their tags and experiments."""
    ws = tmp_path / "ws"
    with experiment(ws, "tagged"):
        task = fit(0.1, 64)
        task.submit()
    result = xpm("experiments", "list", "--workdir", ws, cwd=tmp_path)
    assert result.returncode == 0 and "tagged" in result.stdout, out(result)
    [job] = jobs_json(ws, cwd=tmp_path)
    assert (job["tags"], job["experiments"]) == ({"lr": 0.1, "hidden": 64}, ["tagged"])
    [row] = Results(ws).filter(experiment="tagged", tags={"lr": 0.1}).rows()
    assert row.identifier == task.__xpm__.job.identifier


def test_a_second_experiment_after_experiments_list(tmp_path):
    """A job of one experiment used again by another: after `experiments list` read the
    new run first, listings still name both experiments and the new run's tags."""
    ws = tmp_path / "ws"
    with experiment(ws, "first"):
        fit(0.1, 64).submit()
    assert [j["experiments"] for j in jobs_json(ws, cwd=tmp_path)] == [["first"]]
    with experiment(ws, "second"):
        fit(0.1, 64).tag("round", 2).submit()
    result = xpm("experiments", "list", "--workdir", ws, cwd=tmp_path)
    assert result.returncode == 0 and "second" in result.stdout, out(result)
    [job] = jobs_json(ws, cwd=tmp_path)
    assert job["experiments"] == ["first", "second"]
    assert job["tags"] == {"lr": 0.1, "hidden": 64, "round": 2}


def test_a_listing_reads_parameters_and_metrics_only_when_asked(workspace, tmp_path):
    """Without an index, `jobs list` reads the markers only; Results then reads the
    parameters and metrics from the folders and keeps them; reindex reads everything."""
    ws, _ = workspace

    def details():
        with sqlite3.connect(index_file(ws)) as db:
            return db.execute("SELECT count(*) FROM details").fetchone()[0]

    remove_index(ws)
    listed = jobs_json(ws, cwd=tmp_path)
    assert details() == 0
    rows = Results(ws).rows()
    assert len(rows) == len(listed) and details() == len(listed)
    assert all(row.task for row in rows)  # (read from params.json)
    remove_index(ws)
    result = xpm("workspace", "reindex", "--workdir", ws, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    assert details() == len(listed)


PREFILTERED = [
    '@state = "error"', "state=done", "state=failed and reason=failed", "task=fit",
    "type=fit and opt=adam", 'name = "a_b%"', 'name = "axb%"', "name=a_b% or lr=0.5",
    "opt=adam and not lr=0.1", "hidden=64", "lr=0.010", "@name = 'xpm_fixtures.tasks.fit'",
]


def test_a_filter_narrows_what_is_read_of_the_index_not_the_answer(tmp_path):
    """The SQL conditions a filter gives the index (a prefilter) never lose a job: each
    filter gives the jobs the same filter selects on the whole list: with folders just
    written (read whole), after a type folder changed (a job added), and with folders
    dated back (the index trusts them: only the rows meeting the conditions are read)."""
    ws = tmp_path / "ws"
    build_workspace(ws)
    with experiment(ws, "names"):
        fit(0.2, 8).tag("name", "a_b%").submit()
        fit(0.3, 8).tag("name", "axbx").submit()  # (LIKE's _ and % would match it)

    def check():
        everything = jobs_json(ws, cwd=tmp_path)
        for text in PREFILTERED:
            keep = {j["id"] for j in jobs_json(ws, "--filter", text, cwd=tmp_path)}
            results = xpm("results", "--workdir", ws, "--filter", text, "--format", "json",
                          "--columns", "id", cwd=tmp_path)
            assert results.returncode == 0, out(results)
            assert {r["id"] for r in json.loads(results.stdout)} == keep, text
            # the same filter on the whole list (Results reads it all)
            assert keep == {r.identifier for r in Results(ws).filter(where=text).rows()}, text
        return everything

    assert len(check()) == 9
    with experiment(ws, "names"):  # a new job: its type folder changes
        fit(0.4, 8).tag("name", "a_b%").submit()
    assert len(check()) == 10
    age(ws)  # (folders dated back: the index trusts the unchanged ones)
    check()


def test_an_index_deleted_by_hand_leaves_no_damaged_file(workspace, tmp_path, caplog):
    """Deleting index.sqlite while its write-ahead log is still there (another process
    has it open): the next reading starts a new index, without calling it damaged."""
    ws, _ = workspace
    jobs = jobs_json(ws, cwd=tmp_path)
    holder = sqlite3.connect(index_file(ws))  # (keeps the -wal file alive)
    holder.execute("PRAGMA wal_autocheckpoint=0")
    holder.execute("UPDATE meta SET value = value")
    assert index_file(ws).with_name("index.sqlite-wal").exists()
    index_file(ws).unlink()
    try:
        with caplog.at_level("WARNING", logger="xpm.index"):
            rows = Results(ws).rows()
        assert len(rows) == len(jobs)
        assert not [r for r in caplog.records if r.name == "xpm.index"]
        assert not list(index_file(ws).parent.glob("index.sqlite.damaged-*"))
    finally:
        holder.close()
