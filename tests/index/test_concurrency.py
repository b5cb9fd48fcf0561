"""Two drivers (separate processes, each running its own experiment in the same workspace)
and the commands reading the workspace in a loop meanwhile: no error escapes (no
"database is locked"), and the final answers list every job with its state."""

import json
import time

from experimaestro import Results

from cli.helpers import out, xpm
from scheduler.helpers import driver

DRIVER = """
import sys
from pathlib import Path
from experimaestro import FailedExperiment, experiment
from experimaestro.launchers.direct import DirectLauncher
from xpm_fixtures.tasks import MLP, Fit

ws, name, hidden, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
try:
    with experiment(ws, name, launcher=DirectLauncher(max_jobs=2)):
        for i in range(count):
            Fit.C(lr=(i + 1) / 1000, model=MLP.C(hidden=hidden), steps=i % 4 + 1,
                  diverge=i == count - 1).tag("i", i).tag("hidden", hidden).submit()
except FailedExperiment as exc:
    print("failed:", exc)
    sys.exit(3)
"""

#: the commands, in a loop, in one process (without the start-up of a process each time:
#: many more readings), until the file given exists; prints how many readings it did
READER = """
import json, sys, time
from pathlib import Path
from click.testing import CliRunner
from experimaestro.cli import cli

ws, stop = sys.argv[1], Path(sys.argv[2])
runner, count = CliRunner(), 0
while not stop.exists() or count < 4:
    if not Path(ws, "jobs").is_dir():
        time.sleep(0.01)
        continue
    for args in (["jobs", "list", "--json"],
                 ["results", "--format", "json", "--columns", "id,state,metric.*"]):
        result = runner.invoke(cli, [*args, "--workdir", ws])
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        assert result.exit_code == 0, result.output
        json.loads(result.stdout)
        count += 1
print(count)
"""

COUNT = 30


def test_two_drivers_and_the_commands_at_once(tmp_path):
    ws = tmp_path / "ws"
    stop = tmp_path / "stop"
    drivers = [driver(DRIVER, ws, "first", 64, COUNT), driver(DRIVER, ws, "second", 32, COUNT)]
    reader = driver(READER, ws, stop)
    readings = 0
    try:
        while any(d.poll() is None for d in drivers) or readings < 2:
            if not (ws / "jobs").is_dir():
                time.sleep(0.05)
                continue  # (before the drivers made it)
            for args in (("jobs", "list", "--json"),
                         ("results", "--format", "json", "--columns", "id,state,metric.*")):
                result = xpm(*args, "--workdir", ws, cwd=tmp_path)
                assert result.returncode == 0, out(result)
                assert "locked" not in result.stderr and "Traceback" not in result.stderr, \
                    out(result)
                json.loads(result.stdout)
                readings += 1
            for row in Results(ws).rows():  # (in this process too)
                assert row.state in ("done", "failed", "running", "pending")
    finally:
        stop.touch()
        outputs = []
        for d in drivers + [reader]:
            try:
                outputs.append(d.communicate(timeout=300))
            except BaseException:
                d.kill()
                raise
    stdout, stderr = outputs.pop()
    assert reader.returncode == 0, stdout + stderr
    assert "locked" not in stderr, stderr
    print(f"{stdout.strip()} readings by the reader")
    for d, (stdout, stderr) in zip(drivers, outputs):
        assert d.returncode == 3, stderr  # (each has one job failing on purpose)
        assert stdout.startswith("failed: 1 job(s) failed"), stdout + stderr
        assert "locked" not in stderr and "index could not be updated" not in stderr, stderr
        assert "Traceback" not in stderr, stderr

    def check(listed, records):
        states = {j["id"]: (j["state"], tuple(j["experiments"]), j["tags"]["hidden"],
                            j["tags"]["i"]) for j in listed}
        assert len(states) == 2 * COUNT
        expected = sorted((("failed" if i == COUNT - 1 else "done"), (xp,), hidden, i)
                          for xp, hidden in (("first", 64), ("second", 32))
                          for i in range(COUNT))
        assert sorted(states.values()) == expected
        assert {r["id"]: r["state"] for r in records} == {k: v[0] for k, v in states.items()}
        assert all("metric.loss" in r for r in records)
        assert sum("metric.accuracy" in r and r["metric.accuracy"] is not None
                   for r in records) == 2 * (COUNT - 1)

    def answers():
        listed = xpm("jobs", "list", "--json", "--workdir", ws, cwd=tmp_path)
        records = xpm("results", "--format", "json", "--columns", "id,state,metric.*",
                      "--workdir", ws, cwd=tmp_path)
        assert listed.returncode == 0 and records.returncode == 0, out(listed) + out(records)
        return json.loads(listed.stdout), json.loads(records.stdout)

    assert readings >= 2
    print(f"{readings} readings")
    final = answers()
    check(*final)
    result = xpm("workspace", "reindex", "--workdir", ws, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    assert answers() == final
