"""Workspaces with real jobs for the terminal monitor's tests (experiments run in a
subprocess, their tasks in a module of the test's folder) and driving the app."""

import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Optional

from rich.console import Console

from experimaestro.monitor.model import MonitorModel
from experimaestro.monitor.tui.app import MonitorApp
from experimaestro.monitor.watch import ModelWatcher

from .projects import ROOT, project_env, write_project

DOC_IMAGES = ROOT / "docs" / "images"

#: the experiment "xp": five Echo jobs (tag x) and a failing one
ECHOES = '''
import sys
from experimaestro import FailedExperiment, experiment, tag
from tasks import Echo, Fail

try:
    with experiment(sys.argv[1], "xp"):
        for x in range(1, 6):
            Echo.C(x=tag(x)).submit()
        Fail.C(x=tag(1)).submit()
except FailedExperiment:
    pass
'''

#: the experiment "live": Sleep jobs of the given durations
SLEEPS = '''
import sys
from experimaestro import FailedExperiment, experiment, tag
from tasks import Sleep

try:
    with experiment(sys.argv[1], "live"):
        for seconds in sys.argv[2:]:
            Sleep.C(seconds=tag(float(seconds))).submit()
except FailedExperiment:
    pass
'''


def write_scripts(folder: Path):
    write_project(folder, echoes=ECHOES, sleeps=SLEEPS)


def run_echoes(folder: Path) -> Path:
    """A workspace (folder/ws) where "xp" ran: 5 jobs done, one failed."""
    write_scripts(folder)
    ws = folder / "ws"
    result = subprocess.run([sys.executable, str(folder / "echoes.py"), str(ws)],
                            cwd=folder, env=project_env(folder), capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return ws


def start_sleeps(folder: Path, *seconds: float) -> subprocess.Popen:
    """The experiment "live" with Sleep jobs, running in a subprocess (folder/ws)."""
    write_scripts(folder)
    return subprocess.Popen([sys.executable, str(folder / "sleeps.py"), str(folder / "ws"),
                             *map(str, seconds)], cwd=folder, env=project_env(folder),
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop(process: subprocess.Popen):
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


def wait_for(predicate: Callable[[], bool], what: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


async def until(pilot, predicate: Callable[[], bool], what: str, timeout: float = 30.0):
    """Let the app run until ``predicate()``."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.05)


def drive(workspace: Path, scenario, watch: bool = False,
          model: Optional[MonitorModel] = None):
    """Run ``await scenario(app, pilot)`` in the monitor of ``workspace`` (a 160x50
    terminal); ``watch``: with the file-event watcher, as ``run()`` has it."""
    model = model or MonitorModel(workspace)
    model.load()
    watcher = ModelWatcher(model) if watch else None
    if watcher is not None:
        watcher.start()

    async def main():
        app = MonitorApp(model)
        async with app.run_test(size=(160, 50)) as pilot:
            await scenario(app, pilot)
    try:
        asyncio.run(main())
    finally:
        if watcher is not None:
            watcher.stop()
        model.close()


def screenshot(app, tmp_path: Path, name: str) -> Path:
    """An SVG of the screen in tmp_path; copied into docs/images when
    XPM_DOC_SCREENSHOTS=1 (the images of the documentation are made so)."""
    path = Path(app.save_screenshot(name, str(tmp_path)))
    if os.environ.get("XPM_DOC_SCREENSHOTS") == "1":
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOC_IMAGES / name)
    return path


def text_of(widget) -> str:
    """The text a Static shows (its content rendered as plain text)."""
    console = Console(width=150, record=True, file=open(os.devnull, "w"))
    console.print(widget.content)
    console.file.close()
    return console.export_text()
