"""Running the real `experimaestro` command in a subprocess, with a private config folder."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "yaml"


def environment(config_dir: Path, **extra) -> dict:
    env = dict(os.environ)
    env["XPM_CONFIG_DIR"] = str(config_dir)
    # The experimaestro of this tree, not an installed one (a worktree shares the venv)
    env["PYTHONPATH"] = str(ROOT)
    env.update({k: str(v) for k, v in extra.items()})
    return env


def xpm(*args, cwd=None, config_dir=None, timeout=300, env=None, input=None):
    """Run `python -m experimaestro ARGS` and return the CompletedProcess (text)."""
    cwd = Path(cwd or os.getcwd())
    config_dir = Path(config_dir) if config_dir else cwd / ".xpm-config"
    return subprocess.run(
        [sys.executable, "-m", "experimaestro", *map(str, args)],
        cwd=str(cwd), env=env or environment(config_dir), capture_output=True, text=True,
        timeout=timeout, input=input,
    )


def start_xpm(*args, cwd, config_dir=None, env=None) -> subprocess.Popen:
    cwd = Path(cwd)
    config_dir = Path(config_dir) if config_dir else cwd / ".xpm-config"
    return subprocess.Popen(
        [sys.executable, "-m", "experimaestro", *map(str, args)],
        cwd=str(cwd), env=env or environment(config_dir), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )


def copy_example(dest: Path) -> Path:
    """A copy of examples/yaml in dest; returns the path of its experiment.yaml."""
    shutil.copytree(EXAMPLE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest / "experiment.yaml"


def jobs_json(workdir: Path, *args, cwd=None):
    result = xpm("jobs", "list", "--workdir", workdir, "--json", *args, cwd=cwd or workdir.parent)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def wait_for(predicate, timeout=120.0, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def out(result) -> str:
    return f"exit code {result.returncode}\n--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"


def start_waiting_run(yaml_file: Path, ws: Path, release: Path, values: str, *, cwd: Path,
                      running: int = 1) -> subprocess.Popen:
    """A driver running the example experiment with VALUES, whose jobs wait until
    `release` exists; returns once `running` of its jobs run (the driver is killed if
    they do not start)."""
    driver = start_xpm("run-experiment", "--workdir", ws, "-c", f"values={values}",
                       "-c", f"wait_for={release}", yaml_file, cwd=cwd)
    try:
        wait_for(lambda: (ws / "jobs").exists() and len(
            jobs_json(ws, "--state", "running", cwd=cwd)) >= running,
            what=f"{running} job(s) to start")
    except BaseException:
        driver.kill()
        driver.communicate()
        raise
    return driver
