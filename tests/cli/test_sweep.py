"""Sweeps through the real `run-experiment` command: examples/sweep (a grid times random
draws, read from the YAML file's `sweep:` block), --cases, and a wrong sweep refused
with its file and line before anything runs."""

import json
import shutil
from pathlib import Path

from experimaestro.sweeps import Grid, LogUniform, Sample, Uniform

from .helpers import ROOT, environment, jobs_json, out, xpm

EXAMPLE = ROOT / "examples" / "sweep"

#: The sweep of examples/sweep/sweep.yaml, written in Python
SWEEP = Grid({"model.depth": [1, 2]}) * Sample(
    3, {"lr": LogUniform(1e-4, 1e-2), "model.dropout": Uniform(0.0, 0.5)}, seed=7)


def expected(index: int) -> dict:
    case = SWEEP[index]
    return {"case": index, "lr": case["lr"], "model.depth": case["model.depth"],
            "model.dropout": case["model.dropout"]}


def test_run_experiment_runs_the_example_sweep(tmp_path):
    ws = tmp_path / "ws"
    env = environment(tmp_path / "config")
    result = xpm("run-experiment", "--workdir", ws, EXAMPLE / "sweep.yaml", cwd=tmp_path,
                 env=env)
    assert result.returncode == 0, out(result)
    jobs = jobs_json(ws)
    assert sorted((json.dumps(job["tags"], sort_keys=True) for job in jobs)) == sorted(
        json.dumps(expected(i), sort_keys=True) for i in range(6))
    for job in jobs:
        case = SWEEP[job["tags"]["case"]]
        score = float((Path(job["path"]) / "score.txt").read_text())
        assert score == case["lr"] * case["model.depth"] * (1 - case["model.dropout"])


def test_run_experiment_runs_only_the_selected_cases(tmp_path):
    ws = tmp_path / "ws"
    env = environment(tmp_path / "config")
    result = xpm("run-experiment", "--workdir", ws, "--cases", "1,4:6",
                 EXAMPLE / "sweep.yaml", cwd=tmp_path, env=env)
    assert result.returncode == 0, out(result)
    assert sorted(job["tags"]["case"] for job in jobs_json(ws)) == [1, 4, 5]
    result = xpm("run-experiment", "--workdir", ws, "--cases", "6", EXAMPLE / "sweep.yaml",
                 cwd=tmp_path, env=env)
    assert result.returncode == 2, out(result)
    assert result.stderr.startswith(
        "Error: --cases 6: case 6 is out of range: the sweep has 6 cases (0 to 5) (sweep at"
        f" {EXAMPLE / 'sweep.yaml'}:4)"), out(result)


def test_run_experiment_refuses_a_bad_sweep_before_running(tmp_path):
    """The form of the sweep is checked with the rest of the file, then its parameters
    against the fields (as grid_search's): each error with its file and line."""
    shutil.copy(EXAMPLE / "experiment.py", tmp_path / "experiment.py")
    sweep = ("id: bad\nsweep:\n  product:\n    - grid:\n        model.depht: [1, 2]\n"
             "    - sample:\n        n: 3\n        seed: 0\n        params:\n"
             "          lr: {loguniform: [LOW, 1]}\n")
    env = environment(tmp_path / "config")
    errors = []
    for low in ("0", "1e-3"):
        (tmp_path / "bad.yaml").write_text(sweep.replace("LOW", low))
        result = xpm("run-experiment", "--workdir", tmp_path / "ws", "bad.yaml",
                     cwd=tmp_path, env=env)
        assert result.returncode == 2, out(result)
        errors.append(result.stderr.strip())
    assert errors == [
        "Error: invalid configuration: bad.yaml:10:"
        " sweep.product[1].sample.params.lr.loguniform: the bounds must be positive numbers"
        " (the logarithm of 0 is not defined), got [0, 1]; use uniform for a range that"
        " includes 0 or negative numbers",
        "Error: invalid configuration: bad.yaml:5: sweep.product[0].grid.model.depht: no"
        " field 'depht' in model (Model) for the sweep path 'model.depht'; expected one of:"
        " depth, dropout; did you mean 'depth'?"]
    assert not (tmp_path / "ws" / "jobs").exists()
