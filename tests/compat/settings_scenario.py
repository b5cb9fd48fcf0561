"""settings.yaml, on one side (experimaestro 2.7.0 or ours): which workspace each run
uses, the environment its job gets, and which run folders `history` keeps.

    python settings_scenario.py ROOT OUT.json

The caller sets HOME to a folder holding .config/experimaestro/settings.yaml (2.7.0 reads
the settings there only), written from SETTINGS below with ROOT in XPM_S_ROOT. Every run
is a real `python -m experimaestro run-experiment` (or a script using `experiment(...)`)
with this interpreter; the outcome is written as JSON, to be compared with the other
side's (tests/test_settings_2x.py).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

#: what the test writes in HOME/.config/experimaestro/settings.yaml
SETTINGS = """\
env: {XPM_S_TOP: top, XPM_S_SHARED: from-top, XPM_S_NUM: 4}
history: {max_done: 2, max_failed: 1}
unknown_key: ignored by 2.x, a warning here
workspaces:
  - id: main
    path: ${env:XPM_S_ROOT}/main
    env: {XPM_S_WS: main, XPM_S_SHARED: from-main}
  - id: ir
    path: ${env:XPM_S_ROOT}/ir
    env: {XPM_S_WS: ir}
    triggers: ["neuralir-*", "ir-experiment"]
  - id: hist
    path: ${env:XPM_S_ROOT}/hist
    triggers: ["hist", "jobfail"]
  - id: wshist
    path: ${env:XPM_S_ROOT}/wshist
    triggers: ["wshist"]
    history: {max_done: 1}
"""

NAMES = ["XPM_S_TOP", "XPM_S_WS", "XPM_S_SHARED", "XPM_S_NUM", "XPM_S_CLI"]
FOLDERS = ["main", "ir", "hist", "wshist", "wd", "moved"]

TASKS = f'''
import json
import os

from experimaestro import Param, Task


class EnvReport(Task):
    x: Param[int]
    fail: Param[bool] = False

    def execute(self):
        print("ENVJSON " + json.dumps({{n: os.environ.get(n) for n in {NAMES!r}}}))
        if self.fail:
            raise RuntimeError("the job was asked to fail")
'''

EXPERIMENT = '''
from experimaestro.experiments import ConfigurationBase, ExperimentHelper, configuration

from tasks import EnvReport


@configuration()
class Configuration(ConfigurationBase):
    x: int = 0
    raises: bool = False
    job_fails: bool = False


def run(helper: ExperimentHelper, cfg: Configuration):
    EnvReport.C(x=cfg.x, fail=cfg.job_fails).submit()
    if cfg.raises:
        raise RuntimeError("the experiment code was asked to fail")
'''

API = '''
import sys
from experimaestro import experiment
from tasks import EnvReport

with experiment(sys.argv[1], "api") as xp:
    EnvReport.C(x=int(sys.argv[2])).submit()
'''


def write_project(folder: Path):
    folder.mkdir(parents=True)
    (folder / "tasks.py").write_text(TASKS)
    (folder / "experiment.py").write_text(EXPERIMENT)
    (folder / "api.py").write_text(API)
    for xp_id in ["neuralir-1", "other", "neuralir-2", "neuralir-3", "hist", "wshist",
                  "jobfail"]:
        (folder / f"{xp_id}.yaml").write_text(f"id: {xp_id}\nfile: experiment\n"
                                              "dirty_git: ignore\n")


class Side:
    def __init__(self, root: Path):
        self.root = root
        self.project = root / "project"
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = os.pathsep.join(
            [p for p in [os.environ.get("PYTHONPATH"), str(self.project)] if p])
        self.env["XPM_S_ROOT"] = str(root)
        self.runs: dict = {}  # (workspace, experiment) -> {run folder: index}

    def python(self, *args) -> int:
        result = subprocess.run([sys.executable, *map(str, args)], cwd=self.project,
                                env=self.env, capture_output=True, text=True, timeout=600)
        if result.returncode not in (0, 1):
            raise SystemExit(f"{args}: exit code {result.returncode}\n{result.stderr[-3000:]}")
        return result.returncode

    def run_experiment(self, xp_id: str, *options) -> int:
        return self.python("-m", "experimaestro", "run-experiment", *options,
                           self.project / f"{xp_id}.yaml")

    def where(self, xp_id: str) -> list:
        """The workspace folders that hold the experiment."""
        return [f for f in FOLDERS if (self.root / f / "experiments" / xp_id).is_dir()]

    def job_env(self, folder: str, x: int):
        for out in (self.root / folder / "jobs").glob("tasks.envreport/*/envreport.out"):
            params = json.loads((out.parent / "params.json").read_text())
            if params["objects"][-1]["fields"]["x"] != x:
                continue
            for line in out.read_text().splitlines():
                if line.startswith("ENVJSON "):
                    return json.loads(line[len("ENVJSON "):])
        return None

    def kept(self, folder: str, xp_id: str) -> list:
        """[run index, status] of the run folders left, in the order of the runs."""
        base = self.root / folder / "experiments" / xp_id
        runs = self.runs.setdefault((folder, xp_id), {})
        current = (base / "current").resolve().name
        runs.setdefault(current, len(runs))
        kept = [p for p in base.iterdir() if p.is_dir() and not p.is_symlink()]
        return sorted([runs.get(p.name, -1), run_status(p)] for p in kept)


def run_status(folder: Path):
    """completed / failed, from environment.json as written by either side."""
    try:
        info = json.loads((folder / "environment.json").read_text())
    except (OSError, ValueError):
        return None
    status = info.get("status") or (info.get("run") or {}).get("status")
    return {"done": "completed"}.get(status, status)


def main(root: Path, out: Path):
    side = Side(root)
    write_project(side.project)
    outcome = {}
    steps = {
        "trigger": ("neuralir-1", 1, ["--env", "XPM_S_CLI", "cli"]),
        "default": ("other", 2, []),
        "workdir": ("neuralir-2", 3, ["--workdir", root / "wd"]),
        "workspace and workdir": ("neuralir-3", 4, ["--workspace", "main", "--workdir",
                                                    root / "moved"]),
    }
    for name, (xp_id, x, options) in steps.items():
        code = side.run_experiment(xp_id, "-c", f"x={x}", *options)
        [folder] = side.where(xp_id) or [None]
        outcome[name] = {"exit code": code, "workspace": folder,
                         "env": side.job_env(folder, x) if folder else None}
    # experiment(folder) in Python, with the folder of a workspace of the settings
    code = side.python("api.py", root / "main", 5)
    outcome["experiment(folder)"] = {"exit code": code, "env": side.job_env("main", 5)}
    # history (top level: max_done 2, max_failed 1): success, failures raised by the
    # experiment code, and the run folders left after each run
    sequence = []
    for i, raises in enumerate([False, True, True, False, False, True, False]):
        code = side.run_experiment("hist", "-c", f"x={10 + i}", "-c", f"raises={raises}")
        sequence.append({"exit code": code, "kept": side.kept("hist", "hist")})
    outcome["history"] = sequence
    # known differences (docs/settings.md): a workspace's history, a job that fails
    wshist = []
    for i in range(2):
        side.run_experiment("wshist", "-c", f"x={20 + i}")
        wshist.append(side.kept("wshist", "wshist"))
    outcome["workspace history"] = wshist
    code = side.run_experiment("jobfail", "-c", "x=30", "-c", "job_fails=true")
    outcome["failed job"] = {"exit code": code, "kept": side.kept("hist", "jobfail")}
    out.write_text(json.dumps(outcome, indent=1))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
