"""The example of the README and of docs/getting-started.md, run as a user would run it."""

import json
import subprocess
import sys
from pathlib import Path

from experimaestro.jobfolder import JobFolder

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "examples" / "linear_regression.py"


def _run(workspace: Path):
    result = subprocess.run([sys.executable, str(SCRIPT), str(workspace)], capture_output=True,
                            text=True, timeout=300, cwd=workspace.parent)
    assert result.returncode == 0, result.stderr
    return result


def _table(stdout: str):
    lines = [line.split() for line in stdout.strip().splitlines()]
    assert lines[0] == ["lr", "epochs", "test", "MSE"]
    return lines[1:]


def test_example_runs_then_reruns_nothing(tmp_path):
    workspace = tmp_path / "example-workspace"
    first = _run(workspace)
    rows = _table(first.stdout)
    assert [(lr, epochs) for lr, epochs, _ in rows] == [
        ("0.01", "10"), ("0.01", "100"), ("0.1", "10"), ("0.1", "100"), ("0.5", "10"),
        ("0.5", "100"),
    ]
    # Not a terminal: one line per event
    assert first.stderr.count("[xpm] started ") == 12
    assert first.stderr.count("[xpm] done    ") == 12

    learn = sorted((workspace / "jobs" / "examples.linreg.learn").iterdir())
    evaluate = sorted((workspace / "jobs" / "examples.linreg.evaluate").iterdir())
    assert len(learn) == 6 and len(evaluate) == 6
    for folder in learn:
        names = {p.name for p in folder.iterdir()}
        assert {"params.json", "learn.out", "learn.err", "learn.done", "learn.lock",
                "model.json", ".experimaestro"} <= names
        assert "learn.pid" not in names
        assert (folder / "learn.out").read_text().startswith("learned a=")
        progress = json.loads((folder / ".experimaestro" / "progress.json").read_text())
        assert progress["0"] == {"value": 1.0, "desc": "epochs"}
    for folder in evaluate:
        assert (folder / "evaluate.done").exists()
        [record] = JobFolder.of(folder).records()
        assert record["metric"] == "mse" and record["value"] >= 0

    # The second run finds every job done: nothing runs, same results
    mtimes = {f: (f / "learn.done").stat().st_mtime_ns for f in learn}
    second = _run(workspace)
    assert _table(second.stdout) == rows
    assert "[xpm]" not in second.stderr
    assert {f: (f / "learn.done").stat().st_mtime_ns for f in learn} == mtimes

    # Two runs recorded, each linking the 12 jobs
    xpdir = workspace / "experiments" / "linear-regression"
    runs = sorted(p for p in xpdir.iterdir() if p.is_dir() and not p.is_symlink())
    assert len(runs) == 2
    assert (xpdir / "current").resolve() == runs[-1].resolve()
    for run in runs:
        assert len((run / "jobs.jsonl").read_text().splitlines()) == 12
        links = list((run / "jobs").glob("*/*"))
        assert len(links) == 12 and all(link.resolve().is_dir() for link in links)
