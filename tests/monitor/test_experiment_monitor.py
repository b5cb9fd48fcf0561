"""The web monitor of a running experiment (experiment(port=...), run-experiment --web,
wait_for_quit), the `experiments monitor` command's checks, and the message naming the
extra when the monitor's packages are missing."""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from experimaestro import experiment
from xpm_fixtures.tasks import Add

from cli.helpers import copy_example, environment, out, xpm

ROOT = Path(__file__).resolve().parents[2]


def get(url: str, token: str, path: str):
    base = url.split("/?")[0].rstrip("/")
    request = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read())


def test_an_experiment_serves_its_web_monitor_while_it_runs(tmp_path, capsys):
    with experiment(tmp_path / "ws", "served", port=0, token="secret-token") as xp:
        url = xp.monitor_url
        assert url.startswith("http://127.0.0.1:") and "token=secret-token" in url
        Add.C(x=1).submit()
        xp.wait()
        # (the monitor started before the run: it sees it through file events)
        deadline = time.monotonic() + 10
        while "served" not in json.dumps(get(url, "secret-token", "/api/experiments")):
            assert time.monotonic() < deadline, "the run never showed"
            time.sleep(0.1)
        jobs = get(url, "secret-token", "/api/jobs?experiment=served")
        assert jobs["total"] == 1
    assert f"Web monitor: {url}" in capsys.readouterr().err
    with pytest.raises(urllib.error.URLError):  # stopped with the experiment
        get(url, "secret-token", "/api/experiments")


WAITING_XP = '''
import sys
from experimaestro import experiment
from xpm_fixtures.tasks import Add

with experiment(sys.argv[1], "waiting", port=0, token="tok", wait_for_quit=True) as xp:
    Add.C(x=1).submit()
print("ENDED", flush=True)
'''


def test_wait_for_quit_keeps_the_monitor_until_the_user_quits(tmp_path):
    script = tmp_path / "xp.py"
    script.write_text(WAITING_XP)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "tests")]))
    process = subprocess.Popen([sys.executable, str(script), str(tmp_path / "ws")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    try:
        url = _until_quit_offered(process)
        time.sleep(0.5)
        assert process.poll() is None, "the experiment did not wait"
        jobs = get(url, "tok", "/api/jobs?experiment=waiting")
        assert "done" in json.dumps(jobs)
        _quit(url, "tok")
        assert process.wait(timeout=30) == 0
        assert "ENDED" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _until_quit_offered(process):
    """The monitor's address, once the experiment says it waits for a quit."""
    url = None
    for line in process.stderr:
        if line.startswith("Web monitor: "):
            url = line.split(": ", 1)[1].strip()
        if "stays up" in line:
            return url
    raise AssertionError(f"the experiment ended without waiting (exit {process.wait()})")


def _quit(url, token):
    base = url.split("/?")[0].rstrip("/")
    request = urllib.request.Request(base + "/api/quit", method="POST", data=b"",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 200


def test_run_experiment_web_serves_the_monitor_until_quit(tmp_path):
    # (2.x: --web keeps the monitor up after the last job, until the user quits it)
    yaml_file = copy_example(tmp_path / "xp")
    config = tmp_path / ".xpm-config"
    config.mkdir()
    (config / "settings.yaml").write_text("server:\n  token: from-the-settings\n")
    process = subprocess.Popen(
        [sys.executable, "-m", "experimaestro", "run-experiment", "--workdir",
         str(tmp_path / "ws"), "--port", "0", str(yaml_file)], cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=environment(config))
    try:
        url = _until_quit_offered(process)
        assert url.startswith("http://127.0.0.1:") and "token=from-the-settings" in url
        assert get(url, "from-the-settings", "/api/session")["quit"] is True
        _quit(url, "from-the-settings")
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_monitor_command_checks_its_options(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    assert xpm("run-experiment", "--workdir", ws, yaml_file, cwd=tmp_path).returncode == 0
    both = xpm("experiments", "--workdir", ws, "monitor", "--console", "--port", "1",
               cwd=tmp_path)
    assert both.returncode == 2 and "choose the terminal monitor" in both.stderr
    token = xpm("experiments", "--workdir", ws, "monitor", "--token", "x", cwd=tmp_path)
    assert token.returncode == 2 and "--token: for the web monitor; add --port" in token.stderr
    nowhere = xpm("experiments", "--workdir", tmp_path / "none", "monitor", cwd=tmp_path)
    assert nowhere.returncode != 0 and "not an experimaestro workspace" in nowhere.stderr


MISSING = '''
import sys
sys.modules["textual"] = None
sys.modules["starlette"] = None
from experimaestro.cli import main
main()
'''


@pytest.mark.parametrize("args", [["--console"], ["--port", "0"]])
def test_a_missing_extra_is_named(tmp_path, args):
    ws = tmp_path / "ws"
    (ws / "jobs").mkdir(parents=True)
    result = subprocess.run(
        [sys.executable, "-c", MISSING, "experiments", "monitor", "--workdir", str(ws),
         *args], capture_output=True, text=True, timeout=60,
        env=environment(tmp_path / ".xpm-config"))
    assert result.returncode == 1, out(result)
    assert "pip install 'experimaestro[monitor]'" in result.stderr


def test_a_busy_port_fails_before_the_run_is_opened(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(OSError, match="choose another port"):
            with experiment(tmp_path / "ws", "busy", port=port):
                pass
    assert not (tmp_path / "ws" / "experiments" / "busy").exists()  # no run opened
    with experiment(tmp_path / "ws", "busy"):  # and nothing is left locked
        pass
