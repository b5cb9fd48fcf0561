"""How DirectLauncher starts job processes: forked from the fork server, or fresh.

The fork server is ``python -m experimaestro.launchers.forkserver``; its children keep it as
their ``__main__`` module, while a fresh job process runs ``python -m experimaestro.run``.
"""

import asyncio
import json
import os
import sys


from experimaestro import experiment
from experimaestro.launchers.direct import DirectLauncher
from xpm_fixtures.launch_tasks import WhoRunsMe

FORKED = "experimaestro.launchers.forkserver"
FRESH = "experimaestro.run"


def _run(tmp_path, x, launcher=None, env=None):
    with experiment(tmp_path, f"launch-{x}", launcher=launcher) as xp:
        for name, value in (env or {}).items():
            xp.setenv(name, value)
        task = WhoRunsMe.C(x=x)
        task.submit()
    assert task.job.donepath.exists()
    return json.loads((task.jobpath / "process.json").read_text())


def test_jobs_are_forked_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("XPM_NO_FORK", raising=False)
    assert DirectLauncher().fork is True
    assert _run(tmp_path, 1)["main"] == FORKED


def test_fork_false_starts_a_fresh_interpreter(tmp_path, monkeypatch):
    monkeypatch.delenv("XPM_NO_FORK", raising=False)
    info = _run(tmp_path, 2, launcher=DirectLauncher(fork=False))
    assert info["main"] == FRESH


def test_xpm_no_fork_starts_a_fresh_interpreter(tmp_path, monkeypatch):
    monkeypatch.setenv("XPM_NO_FORK", "1")
    assert DirectLauncher().fork is False
    assert _run(tmp_path, 3)["main"] == FRESH


def test_startup_variable_needs_a_fresh_interpreter(tmp_path, monkeypatch):
    """A job changing a variable read at Python start-up is not forked."""
    monkeypatch.delenv("XPM_NO_FORK", raising=False)
    monkeypatch.delenv("PYTHONHASHSEED", raising=False)
    info = _run(tmp_path, 4, env={"PYTHONHASHSEED": "123"})
    assert info["main"] == FRESH
    assert info["hashseed"] == "123"


def test_jobs_launched_at_once_share_one_fork_server():
    launcher = DirectLauncher(fork=True)
    env = dict(os.environ, XPM_PYTHONPATH=os.pathsep.join(p for p in sys.path if p))

    async def clients():
        # What launch() does for jobs started in the same turn of the loop
        found = await asyncio.gather(*(launcher._client(env) for _ in range(3)))
        for client in {id(c): c for c in found}.values():  # (also the lost ones)
            await client.close()
        return found

    found = asyncio.run(clients())
    servers = {c.process.pid for c in found}
    assert len(servers) == 1, f"{len(servers)} fork servers started for one launcher"
