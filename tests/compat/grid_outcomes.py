"""Run on either side (experimaestro 2.7.0 or ours): each case of grid_cases.py through
the real command, ``python -m experimaestro run-experiment --run-mode generate_only``
(job folders are written, nothing runs), with grid/experiment.py; writes, per case, what
the experiment generated (configurations, tags, task identifiers) and the job folders
found in the workspace, or that the run failed.

    python grid_outcomes.py OUT.json [CASE...]

Run it from a folder without an experimaestro/ package (tests/compat), so that the side
whose interpreter runs it is the one tested.
"""

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from grid_cases import CASES, case

HERE = Path(__file__).resolve().parent
HEADER = "id: grid\nfile: experiment\ndirty_git: ignore\n"


def outcome(name: str, folder: Path) -> dict:
    """The outcome of one case, run in its own folder."""
    body, options = case(name)
    shutil.copytree(HERE / "grid", folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "xp.yaml").write_text(HEADER + body)
    out = folder / "generated.json"
    env = {**os.environ, "GRID_OUT": str(out), "XPM_CONFIG_DIR": str(folder / "config")}
    result = subprocess.run(
        [sys.executable, "-m", "experimaestro", "run-experiment", "--workdir",
         str(folder / "ws"), "--run-mode", "generate_only", *options, "xp.yaml"],
        cwd=folder, env=env, capture_output=True, text=True, timeout=600)
    if result.returncode != 0:
        return {"failed": True, "exit": result.returncode,
                "error": (result.stdout + result.stderr).strip()[-600:]}
    jobs = folder / "ws" / "jobs"
    return {"generated": json.loads(out.read_text()),
            "jobs": sorted(f"{p.parent.name}/{p.name}" for p in jobs.glob("*/*")
                           if (p / "params.json").is_file())}


def main(path: str, names):
    names = names or list(CASES)
    with tempfile.TemporaryDirectory() as tmp, \
            concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        # the runs mostly wait (2.7.0's scheduler ends after a pause): a few at once
        futures = {name: pool.submit(outcome, name, Path(tmp) / f"case{i}")
                   for i, name in enumerate(names)}
        results = {name: future.result() for name, future in futures.items()}
    with open(path, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    failed = sum("failed" in r for r in results.values())
    print(f"{len(results)} cases: {len(results) - failed} generated, {failed} refused")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
