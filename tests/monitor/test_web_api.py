"""The web monitor's API (Starlette's TestClient over a real workspace; the event stream
and the actions on running jobs through a real server): the token, the cookie, actions
only by POST with the token in a header, logs only inside job folders, paging, filter
errors, events when a marker appears."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading

import httpx
import pytest
from starlette.testclient import TestClient

from experimaestro.monitor.model import MonitorModel
from experimaestro.monitor.watch import ModelWatcher
from experimaestro.monitor.web import WebMonitor, create_app
from experimaestro.monitor.web.auth import REFUSED
from experimaestro.monitor.web.events import EventHub

from .projects import ROOT
from .web_fixtures import (job_folder, kill_jobs, run_done_experiment,
                           start_live_experiment, stop_process, write_tasks)

TOKEN = "test-token-0123456789"
HEADER = {"X-XPM-Token": TOKEN}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A workspace of ended jobs: experiment "xp" (3 Echo, a Twice, a failing Fail)."""
    root = tmp_path_factory.mktemp("webapi")
    code = write_tasks(root / "code")
    run_done_experiment(code, root / "ws")
    return root / "ws"


@pytest.fixture(scope="module")
def client(workspace):
    model = MonitorModel(workspace)
    model.load()
    with TestClient(create_app(model, TOKEN)) as client:
        yield client
    model.close()


def _key(folder):
    return f"{folder.parent.name}/{folder.name}"


def test_refused_without_the_right_token(client):
    for path in ("/", "/static/app.js", "/api/jobs", "/api/experiments", "/api/events"):
        response = client.get(path)
        assert response.status_code == 401, path
        assert response.text == REFUSED
        assert "URL printed by the monitor" in response.text
    wrong = "x" + TOKEN
    assert client.get("/api/jobs", headers={"X-XPM-Token": wrong}).status_code == 401
    assert client.get("/api/jobs", headers={"Authorization": f"Bearer {wrong}"}).status_code == 401
    assert client.get(f"/api/jobs?token={wrong}").status_code == 401
    assert client.get("/api/jobs", headers={"Cookie": f"xpm_token_80={wrong}"}).status_code == 401
    assert "set-cookie" not in client.get(f"/?token={wrong}").headers


def test_token_in_a_header(client):
    for headers in (HEADER, {"Authorization": f"Bearer {TOKEN}"}):
        response = client.get("/api/experiments", headers=headers)
        assert response.status_code == 200
        (xp,) = response.json()["experiments"]
        assert xp["experiment"] == "xp"
        assert xp["jobs"]["total"] == 5
        assert (xp["jobs"]["done"], xp["jobs"]["failed"]) == (4, 1)
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"] == "no-referrer"


def test_the_first_page_sets_the_cookie(workspace):
    model = MonitorModel(workspace)
    model.load()
    with TestClient(create_app(model, TOKEN)) as browser:
        page = browser.get(f"/?token={TOKEN}")
        assert page.status_code == 200 and "app.js" in page.text
        cookie = page.headers["set-cookie"]
        assert cookie.startswith(f"xpm_token_80={TOKEN};")
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        # later requests carry only the cookie
        assert browser.get("/static/app.js").status_code == 200
        assert browser.get("/api/jobs").json()["total"] == 5
        assert browser.get("/api/session").json()["token"] == TOKEN
        # an action with the cookie alone (what a cross-site form could send): refused
        folder = job_folder(workspace, "Fail")
        response = browser.post(f"/api/job/{_key(folder)}/clean")
        assert response.status_code == 403
        assert "header" in response.text
        # nor with the token in the query (a link's URL can be made to carry it)
        response = browser.post(f"/api/job/{_key(folder)}/clean?token={TOKEN}")
        assert response.status_code == 403
        assert folder.is_dir()
    model.close()


def test_actions_only_by_post(client, workspace):
    folder = job_folder(workspace, "Echo", '"x": 1')
    for action in ("kill", "clean"):
        response = client.get(f"/api/job/{_key(folder)}/{action}", headers=HEADER)
        assert response.status_code == 405
    # a job that does not run cannot be killed; the answer says why
    response = client.post(f"/api/job/{_key(folder)}/kill", headers=HEADER)
    assert response.status_code == 409
    assert "not running" in response.json()["message"]
    assert folder.is_dir()


def test_clean_removes_the_folder(tmp_path):
    code = write_tasks(tmp_path / "code")
    run_done_experiment(code, tmp_path / "ws")
    model = MonitorModel(tmp_path / "ws")
    model.load()
    folder = job_folder(tmp_path / "ws", "Fail")
    with TestClient(create_app(model, TOKEN)) as client:
        response = client.post(f"/api/job/{_key(folder)}/clean", headers=HEADER)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "cleaned"
        assert not folder.exists()
        assert client.get("/api/jobs", headers=HEADER).json()["total"] == 4
        assert client.get(f"/api/job/{_key(folder)}", headers=HEADER).status_code == 404
    model.close()


def test_job_details_and_dependencies(client, workspace):
    echo = job_folder(workspace, "Echo", '"x": 1')
    twice = job_folder(workspace, "Twice")
    details = client.get(f"/api/job/{_key(twice)}", headers=HEADER).json()
    assert details["state"] == "done"
    assert details["tags"] == {"kind": "twice", "x": 1}
    assert details["dependencies"] == [[echo.parent.name, echo.name]]
    details = client.get(f"/api/job/{_key(echo)}", headers=HEADER).json()
    assert details["params"] == {"x": 1}
    assert details["dependents"] == [[twice.parent.name, twice.name]]
    assert "echo.out" in details["logs"]
    missing = client.get("/api/job/tasks.echo/0000", headers=HEADER)
    assert missing.status_code == 404 and "no job" in missing.json()["error"]


def test_log_read_from_an_offset(client, workspace):
    echo = job_folder(workspace, "Echo", '"x": 2')
    url = f"/api/log/{_key(echo)}"
    first = client.get(url, params={"name": "echo.out"}, headers=HEADER).json()
    assert first["text"] == "hello 2\n"
    assert first["offset"] == first["size"] == len("hello 2\n")
    rest = client.get(url, params={"name": "echo.out", "offset": first["offset"]},
                      headers=HEADER).json()
    assert rest["text"] == "" and rest["offset"] == first["offset"]
    tail = client.get(url, params={"name": "echo.out", "offset": -3}, headers=HEADER).json()
    assert tail["text"] == " 2\n"


def test_log_outside_the_job_folder_refused(client, workspace):
    echo = job_folder(workspace, "Echo", '"x": 2')
    other = job_folder(workspace, "Echo", '"x": 3')
    base = f"/api/log/{_key(echo)}"
    names = ["../../../../etc/passwd", f"../{other.name}/echo.out", "/etc/passwd",
             str(other / "echo.out"), "..", ""]
    for name in names:
        response = client.get(base, params={"name": name}, headers=HEADER)
        assert response.status_code == 403, name
        assert "is not a file of the job folder" in response.json()["error"], name
    # encoded dots and slashes in the query: decoded, then refused
    response = client.get(base + "?name=%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
                          headers=HEADER)
    assert response.status_code == 403
    # a job that does not exist (a type id made of dots)
    response = client.get("/api/log/%2e%2e/%2e%2e", params={"name": "x"}, headers=HEADER)
    assert response.status_code == 403 and "no job" in response.json()["error"]


def test_paging_sorting_and_filters(client):
    def jobs(**params):
        response = client.get("/api/jobs", params=params, headers=HEADER)
        return response.status_code, response.json()

    status, page = jobs(limit=2)
    assert status == 200 and page["total"] == 5 and len(page["rows"]) == 2
    assert page["rows"][0]["state"] == "failed"  # failed sorts before done
    _, last = jobs(limit=2, offset=4)
    assert len(last["rows"]) == 1
    seen = {tuple(r["key"]) for r in page["rows"] + jobs(limit=2, offset=2)[1]["rows"]
            + last["rows"]}
    assert len(seen) == 5
    _, by_task = jobs(sort="task", desc="1")
    assert [r["task"] for r in by_task["rows"]][:1] == ["tasks.twice"]
    _, filtered = jobs(q='@state = "done" and tag.x > 1')
    assert sorted(r["tags"]["x"] for r in filtered["rows"]) == [2, 3]
    _, words = jobs(q="echo")
    assert words["total"] == 3
    _, in_xp = jobs(experiment="xp", q="fail")
    assert in_xp["total"] == 1 and in_xp["rows"][0]["state_text"] == "failed"
    status, error = jobs(q="@state ==")
    assert status == 400
    assert "position 10" in error["error"] and "^" in error["error"]
    status, error = jobs(sort="color")
    assert status == 400 and "unknown sort" in error["error"]
    status, error = jobs(offset="many")
    assert status == 400 and "offset" in error["error"]
    status, error = jobs(experiment="nope")
    assert status == 404 and "nope" in error["error"]


def test_graph(client, workspace):
    graph = client.get("/api/graph", params={"experiment": "xp"}, headers=HEADER).json()
    assert len(graph["nodes"]) == 5 and graph["truncated"] == 0
    echo, twice = job_folder(workspace, "Echo", '"x": 1'), job_folder(workspace, "Twice")
    assert graph["edges"] == [[[echo.parent.name, echo.name], [twice.parent.name, twice.name]]]


def test_no_app_without_a_token(workspace):
    with pytest.raises(ValueError, match="token"):
        create_app(MonitorModel(workspace), "")


def _events(stream):
    """The events of a server-sent events stream, as (name, data)."""
    name, data = None, []
    for line in stream.iter_lines():
        if line.startswith("event:"):
            name = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].strip())
        elif line == "" and data:
            yield name, json.loads("\n".join(data))
            name, data = None, []


def test_events_and_kill_on_a_real_server(tmp_path):
    """A marker that appears reaches a connected client as an event; a running job is
    killed by a POST; stop() ends the server with a client still connected."""
    code = write_tasks(tmp_path / "code")
    ws, gate = tmp_path / "ws", tmp_path / "gate"
    live = start_live_experiment(code, ws, gate)
    model = MonitorModel(ws)
    watcher = ModelWatcher(model)
    monitor = WebMonitor(model)
    try:
        model.load()
        watcher.start()
        monitor.start()
        assert len(monitor.token) >= 32 and monitor.url.endswith(f"?token={monitor.token}")
        base = monitor.url.split("?")[0].rstrip("/")
        headers = {"X-XPM-Token": monitor.token}
        gate_key = _key(job_folder(ws, "Gate"))
        sleep_key = _key(job_folder(ws, "Sleep"))
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            assert http.get(f"/api/job/{gate_key}").json()["state"] == "running"
            with http.stream("GET", "/api/events") as stream:
                events = _events(stream)
                assert next(events)[0] == "hello"
                gate.touch()
                for name, data in events:
                    if name == "change" and (data.get("all") or gate_key in data["keys"]):
                        if http.get(f"/api/job/{gate_key}").json()["state"] == "done":
                            break
                # kill the Sleep job (POST, token in the header)
                response = http.post(f"/api/job/{sleep_key}/kill")
                assert response.status_code == 200, response.text
                assert response.json()["status"] == "killed"
                for name, data in events:
                    row = http.get(f"/api/job/{sleep_key}").json()
                    if row["state"] == "failed":
                        break
                assert row["reason"] == "cancelled"
                monitor.stop()  # with the stream still open
        assert not monitor._thread.is_alive()
    finally:
        monitor.stop()
        watcher.stop()
        model.close()
        stop_process(live)
        kill_jobs(ws)


def test_services_of_an_experiment(tmp_path):
    """The services a running experiment records (services.json of its run) are listed
    with their URLs."""
    code = write_tasks(tmp_path / "code")
    run_done_experiment(code, tmp_path / "ws")
    run = (tmp_path / "ws" / "experiments" / "xp" / "current").resolve()
    (run / "services.json").write_text(json.dumps([
        {"service_id": "tb", "description": "TensorBoard", "state": "RUNNING",
         "url": "http://localhost:6006"}]))
    model = MonitorModel(tmp_path / "ws")
    model.load()
    with TestClient(create_app(model, TOKEN)) as client:
        (xp,) = client.get("/api/experiments", headers=HEADER).json()["experiments"]
    assert xp["services"] == [{"service_id": "tb", "description": "TensorBoard",
                               "state": "RUNNING", "url": "http://localhost:6006"}]
    model.close()


def test_events_are_merged(workspace):
    """Many changes told from other threads at once reach a client as few events, which
    name every changed job."""
    model = MonitorModel(workspace)

    async def scenario():
        hub = EventHub(model)
        hub.start()
        stream = hub.stream()
        assert "event: hello" in await stream.__anext__()
        threads = [threading.Thread(target=model._notify, args=({("t", str(i))},))
                   for i in range(50)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        keys, events = set(), 0
        while len(keys) < 50:
            text = await asyncio.wait_for(stream.__anext__(), 5)
            data = json.loads(text.split("data: ", 1)[1])
            keys.update(data["keys"])
            events += 1
        model._notify(None)
        text = await asyncio.wait_for(stream.__anext__(), 5)
        assert json.loads(text.split("data: ", 1)[1])["all"] is True
        hub.close()
        with pytest.raises(StopAsyncIteration):
            await asyncio.wait_for(stream.__anext__(), 5)  # the stream ends with the hub
        return keys, events

    keys, events = asyncio.run(scenario())
    assert keys == {f"t/{i}" for i in range(50)}
    assert events < 50


def test_serve_until_ctrl_c(workspace):
    """serve(): prints the URL (token included), answers with it, ends on Ctrl-C."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get(
        "PYTHONPATH", "")]))
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from experimaestro.monitor.web import serve;"
         " serve(sys.argv[1], port=0)", str(workspace)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline()
        assert f"web monitor of {workspace}" in line, line + process.stderr.read()
        url = line.split(": ", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:") and "?token=" in url
        base, token = url.split("/?token=")
        assert httpx.get(f"{base}/api/jobs", headers={"X-XPM-Token": token}).json()["total"] == 5
        assert httpx.get(f"{base}/api/jobs").status_code == 401
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


def test_a_busy_port_is_refused(workspace):
    model = MonitorModel(workspace)
    model.load()
    with WebMonitor(model) as first:
        assert first.host == "127.0.0.1"
        second = WebMonitor(model, port=first.port)
        with pytest.raises(OSError, match="choose another port"):
            second.start()
        # a token given is used as it is; another monitor gets another random token
        assert WebMonitor(model, token="given").token == "given"
        assert second.token != first.token
    model.close()
