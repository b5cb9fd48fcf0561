"""The project the monitors' tests run experiments of: a module of tasks written in the
test's folder (never the __main__ script: a job process imports its task's module), and
the environment of the subprocesses that run its experiments."""

import os
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TASKS = '''
import time
from pathlib import Path

from experimaestro import Param, Task, progress


class Echo(Task):
    x: Param[int]

    def execute(self):
        print("hello", self.x, flush=True)


class Twice(Task):
    """Depends on an Echo job (its output is a parameter)."""
    source: Param[Echo]

    def execute(self):
        print("twice", 2 * self.source.x, flush=True)


class Fail(Task):
    x: Param[int]

    def execute(self):
        raise RuntimeError(f"fails on purpose ({self.x})")


class Gate(Task):
    """Runs until the file ``gate`` exists."""
    gate: Param[str]

    def execute(self):
        progress(0.5, desc="waiting for the gate")
        while not Path(self.gate).exists():
            time.sleep(0.05)
        print("gate opened", flush=True)


class Sleep(Task):
    seconds: Param[float]

    def execute(self):
        print("sleeping", self.seconds, flush=True)
        time.sleep(self.seconds)
'''


def write_project(folder: Path, **scripts: str) -> Path:
    """``folder/tasks.py`` and each script (name -> code) as ``folder/NAME.py``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "tasks.py").write_text(textwrap.dedent(TASKS))
    for name, code in scripts.items():
        (folder / f"{name}.py").write_text(textwrap.dedent(code))
    return folder


def project_env(folder: Path) -> dict:
    """The environment of the project's experiments: its tasks and this tree importable,
    a settings folder of its own."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), str(ROOT)])
    env["XPM_CONFIG_DIR"] = str(folder / "config")
    return env
