"""Listing a large workspace of finished jobs: `experimaestro jobs list` (with and without
a filter), and, when the installed experimaestro has them, the workspace index
(`workspace reindex`) and `experimaestro results`. Each command is run whole (a new
process, wall time, best of --repeat), on a workspace written by make_workspace.py.

    # one side: the experimaestro of this interpreter (how run.py runs it)
    python bench/bench_results.py --workdir /tmp/ws100k --jobs 100000

    # several sides on the same workspace, one table
    python bench/bench_results.py --workdir /tmp/ws100k --jobs 100000 \\
        --side ours=/work/main/.venv/bin/python --pythonpath ours=/work/wt-bench \\
        --side 2.7.0=/work/wt-bench/.venv-ref27/bin/python --markdown table.md

The workspace is generated when WORKDIR does not hold one of --jobs jobs (its
description file, make_workspace.DESCRIPTION, says what it holds), else reused as is.

Commands are run from a temporary folder (so that `python -m experimaestro` never imports
a source tree from the current folder), with PYTHONPATH only from --pythonpath. A command
is measured only when `COMMAND --help` exits with 0 (commands being written are
detected, not assumed). For each command the table gives the best wall time, all the
times, the lines printed on stdout, the lines naming a job (a 64-hex identifier) and the
number of jobs the filter should select (computed from the workspace's files).

Phases, in this order, for each side:
1. `jobs list` without the index: INDEX is deleted before each run (today: no index);
2. `workspace reindex` (if available): the index built from nothing (deleted before
   each run), then kept;
3. with the index (if it exists after phase 2): `jobs list`, and `results`;
4. `results` without the index (deleted before each run).

Filters: 2.7.0 only knows the tags of jobs with `--experiment` (its tag map is per
experiment: without it, a tag filter selects nothing), and compares a tag's value as
stored (a float 0.01 is not "0.01"): the tag filters use string tags, with and without
`--experiment`.
"""

import argparse
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).parent))

from common import report  # noqa: E402
from make_workspace import ensure_workspace  # noqa: E402

#: The index file of the workspace index (relative to the workspace); deleted to measure
#: the commands without it
INDEX = Path(".experimaestro") / "index.sqlite"
#: The experiment of the generated workspace (make_workspace.py, one experiment)
XP = "bench"

#: name -> (filter expression or None, extra options of `jobs list`, predicate on a
#: job of the workspace (tags, state) giving the expected selection)
FILTERS = {
    "all": (None, [], lambda tags, state: True),
    "failed": ('@state = "error"', [], lambda tags, state: state != "done"),
    "model": ('model = "bert"', ["--experiment", XP],
              lambda tags, state: tags.get("model") == "bert"),
    "model+dataset": ('model = "bert" and dataset = "msmarco"', ["--experiment", XP],
                      lambda tags, state: tags.get("model") == "bert"
                      and tags.get("dataset") == "msmarco"),
    "model+dataset, no -e": ('model = "bert" and dataset = "msmarco"', [],
                             lambda tags, state: tags.get("model") == "bert"
                             and tags.get("dataset") == "msmarco"),
}
#: the filters also measured with the index, and with `results`
INDEX_FILTERS = ["failed", "model", "model+dataset", "model+dataset, no -e"]


def list_command(workdir, name):
    expression, options, _ = FILTERS[name]
    return (["jobs", "--workdir", str(workdir), "list", *options]
            + (["--filter", expression] if expression else []))


def reindex_command(workdir):
    return ["workspace", "reindex", "--workdir", str(workdir)]


def results_command(workdir, name):
    expression, _, _ = FILTERS[name]
    return (["results", "--workdir", str(workdir), "--format", "csv"]
            + (["--filter", expression] if expression else []))


HEX = re.compile(r"\b[0-9a-f]{64}\b")


class Side:
    def __init__(self, name: str, python: str, pythonpath: Optional[str] = None, timeout: float = 3600):
        self.name, self.python, self.timeout = name, python, timeout
        self.env = dict(os.environ, XPM_NO_LIVE="1", NO_COLOR="1")
        self.env.pop("PYTHONPATH", None)
        self.env.pop("VIRTUAL_ENV", None)
        if pythonpath:
            self.env["PYTHONPATH"] = pythonpath
        self.cwd = tempfile.mkdtemp(prefix="xpm-bench-results-")

    def run(self, args, timeout=None):
        """(seconds, returncode, stdout, stderr) of `python -m experimaestro ARGS`"""
        cmd = [self.python, "-m", "experimaestro", *args]
        start = time.perf_counter()
        try:
            proc = subprocess.run(cmd, cwd=self.cwd, env=self.env, capture_output=True,
                                  text=True, timeout=timeout or self.timeout, check=False)
        except subprocess.TimeoutExpired:
            return time.perf_counter() - start, "timeout", "", ""
        return time.perf_counter() - start, proc.returncode, proc.stdout, proc.stderr

    def available(self, args) -> bool:
        _, code, _, _ = self.run([*args, "--help"], timeout=120)
        return code == 0

    def version(self) -> str:
        out = subprocess.run(
            [self.python, "-c", ("import experimaestro, importlib.metadata as m;"
                                 " print(m.version('experimaestro'), experimaestro.__file__)")],
            cwd=self.cwd, env=self.env, capture_output=True, text=True, check=False)
        return out.stdout.strip() or out.stderr.strip().splitlines()[-1]


def expected_counts(workdir: Path) -> dict:
    """How many jobs each filter should select, from the run's jobs.jsonl and markers."""
    run = (workdir / "experiments" / XP / "current").resolve()
    states = json.loads((run / "status.json").read_text())["job_states"]
    with open(run / "jobs.jsonl") as f:
        jobs = [json.loads(line) for line in f]
    return {name: sum(1 for j in jobs if pred(j["tags"], states.get(j["job_id"], "done")))
            for name, (_, _, pred) in FILTERS.items()}


def measure(side: Side, label: str, args, repeat: int, before=None) -> dict:
    """Runs the command `repeat` times (calling `before()` before each run)."""
    times, result = [], {}
    for _ in range(repeat):
        if before:
            before()
        seconds, code, out, err = side.run(args)
        times.append(seconds)
        lines = [line for line in out.splitlines() if line.strip()]
        result = {"code": code, "lines": len(lines),
                  "job_lines": sum(1 for line in lines if HEX.search(line)),
                  "stderr": err.strip().splitlines()[-1:] if code != 0 else []}
        if code != 0:
            break
    result.update(side=side.name, label=label, command=shlex.join(args), times=times,
                  best=min(times))
    print(f"  {side.name:8} {label:42} {min(times):8.2f}s  lines={result['lines']}"
          f" jobs={result['job_lines']}" + (f"  EXIT {code}: {result['stderr']}"
                                            if code != 0 else ""),
          file=sys.stderr, flush=True)
    return result


def bench_side(side: Side, workdir: Path, repeat: int) -> list:
    index = workdir / INDEX

    def drop_index():
        for suffix in ("", "-wal", "-shm"):
            index.with_name(index.name + suffix).unlink(missing_ok=True)

    rows = []
    for name in FILTERS:
        rows.append(measure(side, f"jobs list [{name}]", list_command(workdir, name),
                            repeat, drop_index) | {"filter": name, "index": "no"})
    if side.available(reindex_command(workdir)):
        rows.append(measure(side, "workspace reindex (from nothing)",
                            reindex_command(workdir), repeat, drop_index)
                    | {"filter": None, "index": "build"})
    has_results = side.available(results_command(workdir, "all"))
    if index.exists():
        for name in INDEX_FILTERS:
            rows.append(measure(side, f"jobs list [{name}]", list_command(workdir, name),
                                repeat) | {"filter": name, "index": "yes"})
        if has_results:
            for name in INDEX_FILTERS:
                rows.append(measure(side, f"results [{name}]",
                                    results_command(workdir, name), repeat)
                            | {"filter": name, "index": "yes"})
    if has_results:
        for name in INDEX_FILTERS:
            rows.append(measure(side, f"results [{name}]", results_command(workdir, name),
                                repeat, drop_index) | {"filter": name, "index": "no"})
    return rows


def table(rows, expected, versions) -> str:
    lines = ["| side | command | index | best (s) | runs (s) | lines | job lines | expected |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        status = "" if r["code"] == 0 else f" (EXIT {r['code']})"
        lines.append(
            f"| {r['side']} | `{r['command']}` | {r['index']} | {r['best']:.2f}{status} | "
            + ", ".join(f"{t:.2f}" for t in r["times"])
            + f" | {r['lines']} | {r['job_lines']} | "
            + (str(expected[r["filter"]]) if r.get("filter") else "") + " |")
    lines.append("")
    lines += [f"- {name}: {v}" for name, v in versions.items()]
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command (best)")
    parser.add_argument("--side", action="append", default=[], metavar="NAME=PYTHON",
                        help="an interpreter with experimaestro (repeatable; default: this"
                             " one)")
    parser.add_argument("--pythonpath", action="append", default=[], metavar="NAME=PATH",
                        help="PYTHONPATH of a side (e.g. a source tree)")
    parser.add_argument("--timeout", type=float, default=3600, help="per command (s)")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table there")
    args = parser.parse_args()

    workdir = args.workdir.absolute()
    generated = ensure_workspace(workdir, args.jobs)
    expected = expected_counts(workdir)

    paths = dict(item.split("=", 1) for item in args.pythonpath)
    sides = [Side(*item.split("=", 1), pythonpath=paths.get(item.split("=", 1)[0]),
                  timeout=args.timeout) for item in args.side]
    if not sides:
        sides = [Side("this", sys.executable, os.environ.get("PYTHONPATH"), args.timeout)]
    versions = {s.name: s.version() for s in sides}
    print(f"versions: {versions}", file=sys.stderr, flush=True)

    rows = []
    for side in sides:
        rows += bench_side(side, workdir, args.repeat)
        shutil.rmtree(side.cwd, ignore_errors=True)
    text = table(rows, expected, versions)
    if generated is not None:
        text += f"\n- workspace of {args.jobs} jobs generated in {generated:.1f}s"
    print(text, file=sys.stderr)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")

    # One JSON line (run.py): the first side's times and job lines, by short names
    metrics = {"bench": "results", "jobs": args.jobs, "generate_s": generated}
    for r in rows:
        if r["side"] != sides[0].name:
            continue
        key = re.sub(r"[^a-z0-9]+", "_", f"{r['label']} {r['index']}".lower()).strip("_")
        metrics[key + "_s"] = r["best"] if r["code"] == 0 else None
        metrics[key + "_jobs"] = r["job_lines"]
    report(**metrics)


if __name__ == "__main__":
    main()
