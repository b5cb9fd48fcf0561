"""The monitors' model of a workspace (MonitorModel) and its file-event watcher, on real
jobs run by real experiments."""

import json
import os
import shutil
import threading
import time

import pytest

from experimaestro import FailedExperiment, experiment
from experimaestro.monitor.model import LogRefused, MonitorModel, QueryError, _tag_words
from experimaestro.monitor.watch import ModelWatcher
from xpm_fixtures.tasks import Add, Fail


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """xp: Add(x=1) -> Add(x=2, previous) and a failing Fail; jobs by name."""
    ws = tmp_path_factory.mktemp("monitor") / "ws"
    with pytest.raises(FailedExperiment):
        with experiment(ws, "xp"):
            first = Add.C(x=1).tag("n", 1)
            value = first.submit()
            second = Add.C(x=2, previous=value).tag("n", 2)
            second.submit()
            failing = Fail.C(x=3).tag("n", 3)
            failing.submit()
    return ws, {"first": first.__xpm__.job.relpath, "second": second.__xpm__.job.relpath,
                "fail": failing.__xpm__.job.relpath}


def key(relpath):
    parts = str(relpath).split("/")
    return parts[-2], parts[-1]


@pytest.fixture
def model(workspace):
    m = MonitorModel(workspace[0])
    m.load()
    yield m
    m.close()


def test_experiments_count_their_jobs_by_state(model):
    (xp,) = model.experiments()
    assert (xp.experiment, xp.status, xp.total) == ("xp", "failed", 3)
    assert (xp.jobs["done"], xp.jobs["failed"]) == (2, 1)


def test_select_filters_sorts_and_pages(model, workspace):
    jobs = workspace[1]
    total, rows = model.select("xp", query='@state = "done"')
    assert total == 2 and {r.key for r in rows} == {key(jobs["first"]), key(jobs["second"])}
    total, rows = model.select("xp", query="n=3")  # ours: tags by name
    assert [r.key for r in rows] == [key(jobs["fail"])]
    total, rows = model.select(query="fail")  # free text: words in the task, state, tags
    assert [r.key for r in rows] == [key(jobs["fail"])]
    total, rows = model.select("xp", sort="state")
    assert rows[0].state == "failed" and total == 3
    total, page = model.select("xp", sort="task", offset=1, limit=1)
    assert total == 3 and len(page) == 1
    with pytest.raises(QueryError, match="position|column|expected|unexpected"):
        model.select("xp", query="@state = ")
    with pytest.raises(KeyError, match="no experiment 'nope'"):
        model.select("nope")


def test_details_name_dependencies_and_dependents(model, workspace):
    jobs = workspace[1]
    first, second = key(jobs["first"]), key(jobs["second"])
    details = model.details(second)
    assert details["dependencies"] == [list(first)]
    assert details["params"]["x"] == 2 and details["tags"] == {"n": 2}
    assert model.details(first)["dependents"] == [list(second)]
    graph = model.graph("xp")
    assert len(graph["nodes"]) == 3 and graph["edges"] == [[list(first), list(second)]]


def test_logs_only_from_inside_a_job_folder(model, workspace, tmp_path):
    job = key(workspace[1]["fail"])
    text, offset, size = model.read_log(job, f"{job[0].split('.')[-1]}.err")
    assert offset == size and ("Traceback" in text or "fail" in text.lower())
    tail, _, _ = model.read_log(job, f"{job[0].split('.')[-1]}.err", offset=-10)
    assert len(tail.encode()) <= 10
    outside = tmp_path / "secret.txt"
    outside.write_text("secret")
    folder = workspace[0] / "jobs" / job[0] / job[1]
    (folder / "escape").symlink_to(outside)
    try:
        for name in ("../../../../etc/passwd", str(outside), "escape", "..", "nothere"):
            with pytest.raises(LogRefused):
                model.log_file(job, name)
    finally:
        (folder / "escape").unlink()
    with pytest.raises(LogRefused, match="no job"):
        model.log_file(("nope", "0" * 64), "x.out")


def test_clean_removes_an_ended_job_folder(workspace, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(workspace[0], ws, symlinks=True)
    shutil.rmtree(ws / ".experimaestro", ignore_errors=True)
    m = MonitorModel(ws)
    m.load()
    job = key(workspace[1]["fail"])
    outcome = m.clean(job)
    assert outcome.status == "cleaned", outcome
    assert not (ws / "jobs" / job[0] / job[1]).exists() and m.job(job) is None
    assert m.clean(job).status == "error"
    m.close()


def _pending_copy(ws, done_key, name="pending"):
    """A copy of a done job under another identifier, without its marker: a job that
    has to run."""
    src = ws / "jobs" / done_key[0] / done_key[1]
    new = (done_key[0], ("f" * 63) + name[0])
    shutil.copytree(src, ws / "jobs" / new[0] / new[1])
    for marker in (ws / "jobs" / new[0] / new[1]).glob("*.done"):
        marker.unlink()
    return new


def test_the_watcher_shows_new_jobs_and_marker_changes(workspace, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(workspace[0], ws, symlinks=True)
    m = MonitorModel(ws)
    m.load()
    seen, changed = [], threading.Event()

    def listener(keys):
        seen.append(keys)
        changed.set()
    m.subscribe(listener)
    watcher = ModelWatcher(m)
    watcher.start()
    try:
        assert watcher.events
        first = key(workspace[1]["first"])
        new = _pending_copy(ws, first)  # a new job folder: an event of its type folder
        assert _until(lambda: m.job(new) is not None), "the new job was not seen"
        assert m.job(new).state == "pending"
        assert _until(lambda: new in watcher._job_watches), "the new job is not watched"
        changed.clear()
        name = first[0].split(".")[-1]
        (ws / "jobs" / new[0] / new[1] / f"{name}.done").write_text("")
        assert _until(lambda: m.job(new).state == "done"), "the marker was not seen"
        assert any(keys and new in keys for keys in seen)
        # ended jobs are not watched (a workspace of ended jobs holds a few watches)
        assert _until(lambda: new not in watcher._job_watches)
        assert not watcher._job_watches
    finally:
        watcher.stop()
        m.close()


def test_the_watcher_polls_without_file_events(workspace, tmp_path, monkeypatch):
    monkeypatch.setenv("XPM_WATCHER", "polling")
    ws = tmp_path / "ws"
    shutil.copytree(workspace[0], ws, symlinks=True)
    m = MonitorModel(ws)
    m.load()
    first = key(workspace[1]["first"])
    new = _pending_copy(ws, first)
    m.refresh_all()
    watcher = ModelWatcher(m, poll=0.2)
    watcher.start()
    try:
        assert not watcher.events
        name = first[0].split(".")[-1]
        (ws / "jobs" / new[0] / new[1] / f"{name}.done").write_text("")
        assert _until(lambda: m.job(new).state == "done"), "the marker was not seen"
    finally:
        watcher.stop()
        m.close()


def test_services_of_a_run_are_read_from_its_record(workspace, tmp_path):
    ws = tmp_path / "ws"
    shutil.copytree(workspace[0], ws, symlinks=True)
    run = (ws / "experiments" / "xp" / "current").resolve()
    (run / "services.json").write_text(json.dumps(
        [{"service_id": "tb", "description": "TensorBoard", "state": "RUNNING",
          "url": "http://localhost:6006"}]))
    m = MonitorModel(ws)
    m.load()
    assert m.services("xp") == [{"service_id": "tb", "description": "TensorBoard",
                                 "state": "RUNNING", "url": "http://localhost:6006"}]
    assert m.services("nope") == []
    m.close()


def _until(test, timeout=15.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if test():
            return True
        time.sleep(0.05)
    return test()


def test_experiment_records_its_services(tmp_path):
    from experimaestro.scheduler.services import Service

    class Viewer(Service):
        id = "viewer"

        def description(self):
            return "a viewer"

    with experiment(tmp_path / "ws", "svc") as xp:
        xp.add_service(Viewer())
        record = json.loads((xp.run_path / "services.json").read_text())
    assert record == [{"service_id": "viewer", "description": "a viewer",
                       "state": "STOPPED", "url": None}]
    assert os.path.exists(xp.run_path / "services.json")


def test_free_words_find_tags_without_decoding_them(model, workspace):
    total, rows = model.select("xp", query="n=2")  # (a filter: the tag n is 2)
    assert total == 1
    model.refresh_all()  # rows fresh from the index: their tags still as stored (JSON)
    assert all(r.tags_text is not None for r in model.jobs("xp"))
    total, rows = model.select("xp", query="FAIL")  # words, any case
    assert [r.key for r in rows] == [key(workspace[1]["fail"])]
    assert "n=3" in _tag_words(rows[0]).split()  # (what a word is compared with)
    assert all(r.tags_text is not None for r in model.jobs("xp"))  # (never decoded)
