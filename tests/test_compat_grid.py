"""Grid search as experimaestro 2.7.0 does it, measured against 2.7.0 itself: every case
of tests/compat/grid_cases.py runs through the real `run-experiment` command (generate
only: job folders are written, nothing runs) under 2.7.0 (in .venv-ref27) and under
ours; the configurations, tags and task identifiers generate_grid gives, and the job
folders created, are compared. See tests/compat/README.md."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from compat.grid_cases import DIFFERENT, SAME

ROOT = Path(__file__).resolve().parents[1]
COMPAT = ROOT / "tests" / "compat"


@pytest.fixture(scope="module")
def ref27(request) -> Path:
    """The interpreter of experimaestro 2.7.0 (made by the compat_envs fixture if absent)."""
    python = ROOT / ".venv-ref27" / "bin" / "python"
    if not python.exists():
        request.getfixturevalue("compat_envs")
    return python


@pytest.fixture(scope="module")
def outcomes(ref27, tmp_path_factory) -> dict:
    """Both sides' outcomes, run at the same time: {"ref": {case: ...}, "ours": ...}."""
    folder = tmp_path_factory.mktemp("grid")
    sides = {"ref": (ref27, [COMPAT]), "ours": (Path(sys.executable), [ROOT, COMPAT])}
    runs = {}
    for side, (python, path) in sides.items():
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, path))}
        runs[side] = subprocess.Popen(
            [str(python), "grid_outcomes.py", str(folder / f"{side}.json")], cwd=COMPAT,
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    for side, process in runs.items():
        output, _ = process.communicate(timeout=1800)
        assert process.returncode == 0, f"{side}: {output[-3000:]}"
    return {side: json.loads((folder / f"{side}.json").read_text()) for side in sides}


def comparable(outcome: dict) -> str:
    """The outcome as JSON text (1 and 1.0 differ), without the `file` key: 2.7.0 puts
    the resolved path of the experiment file there, ours keeps the value of the YAML
    file (not a grid search matter)."""
    outcome = json.loads(json.dumps(outcome))
    for generated in outcome.get("generated", []):
        generated["configuration"].pop("file")
    return json.dumps(outcome, sort_keys=True)


def test_grid_search_generates_the_configurations_and_jobs_of_2_7_0(outcomes):
    ref, ours = outcomes["ref"], outcomes["ours"]
    generated = [name for name in SAME if "failed" not in ref[name]]
    assert len(generated) >= 20, ref  # most cases generate jobs under 2.7.0
    for name in SAME:
        if "failed" in ref[name]:
            # refused by both; ours when reading the file: exit code 2, file and line
            assert ours[name].get("exit") == 2, f"{name}: 2.7.0 refuses it, ours gives {ours[name]}"
            assert "Error: invalid configuration: xp.yaml:" in ours[name]["error"], ours[name]
        else:
            assert comparable(ours[name]) == comparable(ref[name]), name
    assert sum(len(ref[name]["jobs"]) for name in generated) >= 80


def _values(outcome, key):
    return [g["configuration"][key] for g in outcome["generated"]]


def test_where_2_7_0_surprises_ours_differs_as_documented(outcomes):
    """docs/experiment-files.md, "Grid search": what ours does where 2.7.0 gives None,
    silently picks one form, truncates, or reads -c values as strings."""
    ref, ours = outcomes["ref"], outcomes["ours"]
    assert set(DIFFERENT) == {
        "one-value list", "one-value range", "integer for a GridSearch float",
        "two forms in one search space", "range_mult with a fractional n_iter",
        "-c override of a search space"}
    # a space of one value: 2.7.0 sets the field to None (the task then refuses it)
    for name, key, value in (("one-value list", "lr", 0.1),
                             ("one-value range", "batch_size", 5)):
        assert "Cannot set required attribute" in ref[name]["error"], ref[name]
        assert _values(ours[name], key) == [value] and len(ours[name]["jobs"]) == 1
    # an integer for a GridSearch[float] field: 2.7.0 keeps the int; the same job
    name = "integer for a GridSearch float"
    assert json.dumps(_values(ref[name], "lr")) == "[1]"
    assert json.dumps(_values(ours[name], "lr")) == "[1.0]"
    assert ours[name]["jobs"] == ref[name]["jobs"]
    # 2.7.0 takes values_list and ignores range; int(2.5) values: ours refuses both
    assert _values(ref["two forms in one search space"], "lr") == [0.3, 0.4]
    assert _values(ref["range_mult with a fractional n_iter"], "lr") == [1, 10]
    assert "xp.yaml:4: lr.range: a search space takes one of" in \
        ours["two forms in one search space"]["error"]
    assert "xp.yaml:4: lr.range_mult[1]: n_iter: expected a whole number" in \
        ours["range_mult with a fractional n_iter"]["error"]
    # -c batch_size=[1, 2]: 2.7.0 reads the text "[1, 2]"; ours reads YAML, a search space
    name = "-c override of a search space"
    assert "input_value='[1, 2]'" in ref[name]["error"]
    assert _values(ours[name], "batch_size") == [1, 2] and len(ours[name]["jobs"]) == 2
