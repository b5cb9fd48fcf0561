"""Run the benchmarks under our experimaestro and upstream experimaestro 2.7.0, side by side.

    python bench/run.py [--only NAME ...] [--skip-install] [--markdown FILE] [--slurm]
                        [--ours-python PATH] [--upstream-python PATH] [--side ours|upstream]
                        [--before GIT_REVISION]

Two virtual environments (never the project's dependencies):
- /tmp/xpm-ours: this repository installed with pip, NOT editable (pip compiles the .pyc
  files, which matters on machines with PYTHONDONTWRITEBYTECODE=1); the dependencies are
  installed once, then the package alone is reinstalled at every run;
- /tmp/xpm-upstream: `pip install experimaestro==2.7.0`;
- with --before REV, /tmp/xpm-before: this repository at revision REV (git archive),
  installed the same way, as a third side (before/after a change, in one run).
Each benchmark runs in a fresh temporary folder (outside the repository, so that the
source tree is never imported by accident) and prints one JSON line on stdout.

To add a benchmark: write bench/bench_NAME.py (public API only, one JSON line printed
with common.report) and add a Bench(...) line to BENCHES below.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

BENCH = Path(__file__).parent.absolute()
REPO = BENCH.parent
OURS = Path("/tmp/xpm-ours")
UPSTREAM = Path("/tmp/xpm-upstream")
BEFORE = Path("/tmp/xpm-before")
UPSTREAM_REQUIREMENT = "experimaestro==2.7.0"


@dataclass
class Bench:
    #: Name used by --only and in the table
    name: str
    #: Program in bench/
    program: str
    #: Metrics (keys of the JSON line) -> True if higher is better, False if lower is
    #: better, None if only informative (no ratio)
    metrics: dict
    #: Extra command line arguments (e.g. ["--n", "100"])
    args: list = field(default_factory=list)
    #: Pass `--workdir TMP/workspace` (a fresh folder in the temporary directory)
    workdir: bool = False
    #: Seconds before the run is killed
    timeout: float = 600
    #: Only run when asked (--slurm, or named with --only)
    optional: bool = False
    #: Also measure N `python -c pass` processes (lower bound for N jobs)
    floor: Optional[int] = None
    #: Run the sides alternately this many times and keep each metric's median: the
    #: speed of a shared VM drifts over minutes, alternation spreads the drift evenly
    rounds: int = 1


LOWER, HIGHER, INFO = False, True, None

#: bench_results.py's keys: "<command> [<filter>] <index: no, build, yes>", then _s or _jobs
RESULTS_METRICS = {
    "generate_s": INFO,
    "jobs_list_all_no_s": LOWER, "jobs_list_all_no_jobs": INFO,
    "jobs_list_failed_no_s": LOWER, "jobs_list_failed_no_jobs": INFO,
    "jobs_list_model_no_s": LOWER, "jobs_list_model_no_jobs": INFO,
    "jobs_list_model_dataset_no_s": LOWER, "jobs_list_model_dataset_no_jobs": INFO,
    "jobs_list_model_dataset_no_e_no_s": LOWER, "jobs_list_model_dataset_no_e_no_jobs": INFO,
    "workspace_reindex_from_nothing_build_s": LOWER,
    "jobs_list_failed_yes_s": LOWER, "jobs_list_failed_yes_jobs": INFO,
    "jobs_list_model_dataset_yes_s": LOWER, "jobs_list_model_dataset_yes_jobs": INFO,
    "jobs_list_model_dataset_no_e_yes_s": LOWER,
    "results_failed_yes_s": LOWER, "results_failed_yes_jobs": INFO,
    "results_model_dataset_yes_s": LOWER, "results_model_dataset_yes_jobs": INFO,
    "results_model_dataset_no_e_yes_s": LOWER,
    "results_model_dataset_no_s": LOWER, "results_model_dataset_no_jobs": INFO,
}

BENCHES = [
    Bench("import", "bench_import.py", {"import_ms": LOWER, "pass_ms": INFO}),
    Bench("identifiers", "bench_identifiers.py", {"configs_per_s": HIGHER}, rounds=5),
    Bench("jobs-100", "bench_jobs.py", {"seconds": LOWER, "peak_rss_mb": LOWER},
          ["--n", "100"], workdir=True, floor=100),
    Bench("jobs-1000", "bench_jobs.py", {"seconds": LOWER, "peak_rss_mb": LOWER},
          ["--n", "1000"], workdir=True, timeout=3600, floor=1000),
    Bench("rerun-100", "bench_rerun.py", {"seconds": LOWER, "rerun_jobs": INFO},
          ["--n", "100"], workdir=True),
    Bench("rerun-10000", "bench_rerun.py",
          {"seconds": LOWER, "rerun_jobs": INFO, "peak_rss_mb": LOWER},
          ["--n", "10000"], workdir=True, timeout=3600),
    Bench("chain-20", "bench_chain.py", {"per_step_ms": LOWER}, ["--n", "20"], workdir=True),
    # Listing a workspace of N finished jobs (written by make_workspace.py in the
    # temporary folder, about 1 min per 100,000 jobs): `jobs list`, and the workspace
    # index and `results` when the side has them; bench_results.py alone runs the sides
    # on one workspace (see bench/README.md)
    Bench("results-10000", "bench_results.py", RESULTS_METRICS, ["--jobs", "10000"],
          workdir=True, timeout=3600, optional=True),
    Bench("results-100000", "bench_results.py", RESULTS_METRICS, ["--jobs", "100000"],
          workdir=True, timeout=7200, optional=True),
    Bench("slurm-1000", "bench_slurm.py",
          {"seconds": LOWER, "sbatch": INFO, "squeue": INFO, "sacct": INFO},
          ["--n", "1000"], workdir=True, timeout=7200, optional=True),
]


# --- Environments


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def pip(python: Path, *args: str):
    subprocess.run([str(python), "-m", "pip", "install", "-q", *args], check=True)


def make_venv(path: Path) -> Path:
    python = path / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    return python


def install_ours() -> Path:
    python = make_venv(OURS)
    marker = OURS / ".deps-installed"
    if not (marker.exists() or (OURS / ".installed").exists()):
        pip(python, str(REPO))  # the package and its dependencies
        marker.touch()
    # This tree, not editable, dependencies untouched
    pip(python, "--force-reinstall", "--no-deps", str(REPO))
    return python


def install_before(revision: str) -> Path:
    """This repository at `revision`, installed like ours (not editable)."""
    python = make_venv(BEFORE)
    with tempfile.TemporaryDirectory(prefix="xpm-before-") as tmp:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", revision],
                                 capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        marker = BEFORE / ".deps-installed"
        if not marker.exists():
            pip(python, tmp)
            marker.touch()
        pip(python, "--force-reinstall", "--no-deps", tmp)
    return python


def install_upstream() -> Path:
    python = make_venv(UPSTREAM)
    if version(python) != UPSTREAM_REQUIREMENT.split("==")[1]:
        pip(python, UPSTREAM_REQUIREMENT)
    return python


def version(python: Path) -> str:
    """Installed version of experimaestro (imported from a neutral folder)"""
    try:
        out = subprocess.run(
            [str(python), "-c",
             "import importlib.metadata as m; print(m.version('experimaestro'))"],
            capture_output=True, text=True, cwd=tempfile.gettempdir(), timeout=60)
        return out.stdout.strip() if out.returncode == 0 else "?"
    except Exception:
        return "?"


# --- Running


def run_one(python: Path, bench: Bench) -> dict:
    """Runs one benchmark program; returns its JSON result, or {"error": ...}"""
    with tempfile.TemporaryDirectory(prefix="xpm-bench-") as tmp:
        cmd = [str(python), str(BENCH / bench.program), *bench.args]
        if bench.workdir:
            cmd += ["--workdir", str(Path(tmp) / "workspace")]
        # PYTHONPATH: job processes must import bench/tasks.py
        env = dict(os.environ, PYTHONPATH=str(BENCH), XPM_NO_LIVE="1")
        env.pop("VIRTUAL_ENV", None)
        start = time.time()
        try:
            proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True,
                                  timeout=bench.timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {bench.timeout:.0f}s"}
        except OSError as e:
            return {"error": str(e)}
        wall = time.time() - start
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-15:]
            log("   | " + "\n   | ".join(tail))
            return {"error": f"exit {proc.returncode}: " + (tail[-1] if tail else "?")}
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if not lines:
            return {"error": "no result line"}
        try:
            result = json.loads(lines[-1])
        except json.JSONDecodeError as e:
            return {"error": f"bad result line: {e}"}
        result["wall"] = wall
        return result


def floor(n: int, python: Path) -> float:
    """N `python -c pass` processes, as many at once as there are CPUs."""
    from concurrent.futures import ThreadPoolExecutor

    start = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(lambda _: subprocess.run([str(python), "-c", "pass"]), range(n)))
    return time.perf_counter() - start


# --- Reporting


def median_result(runs: list) -> dict:
    """One result from several rounds: each numeric metric's median (the first error
    if any round failed); `rounds` lists the raw values."""
    failed = [r for r in runs if "error" in r]
    if failed or len(runs) == 1:
        return failed[0] if failed else runs[0]
    merged = dict(runs[0])
    for key, v in runs[0].items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            merged[key] = statistics.median(r[key] for r in runs)
    merged["rounds"] = runs
    return merged


def fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v).replace("|", "\\|")


def ratio(a, b, higher) -> str:
    """How many times better ours is (>1: ours better)"""
    if higher is None or not all(isinstance(x, (int, float)) and x > 0 for x in (a, b)):
        return ""
    return f"{(a / b if higher else b / a):.2f}x"


def value(result: Optional[dict], metric: str):
    if result is None:
        return "(not run)"
    if "error" in result:
        return "ERROR: " + result["error"][:120]
    return result.get(metric)


def select(only, slurm: bool):
    """Benchmarks to run: all non-optional ones (plus optional ones with --slurm), or
    those named with --only: exact names or families ("jobs" = jobs-100 and jobs-1000)"""
    def family(b):
        return b.name.split("-")[0]

    if not only:
        return [b for b in BENCHES if slurm or not b.optional]
    names = [n for item in only for n in item.split(",") if n]
    unknown = [n for n in names if not any(n in (b.name, family(b)) for b in BENCHES)]
    if unknown:
        sys.exit(f"unknown benchmark(s) {unknown}; known: {[b.name for b in BENCHES]}")
    return [b for b in BENCHES if b.name in names or family(b) in names]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="benchmarks to run (names or families, e.g. jobs)")
    parser.add_argument("--skip-install", action="store_true",
                        help="use the virtual environments as they are")
    parser.add_argument("--slurm", action="store_true", help="also the Slurm benchmarks")
    parser.add_argument("--markdown", metavar="FILE", help="also write the table there")
    parser.add_argument("--json", metavar="FILE", help="write all raw results there")
    parser.add_argument("--ours-python", metavar="PATH")
    parser.add_argument("--upstream-python", metavar="PATH")
    parser.add_argument("--side", choices=["ours", "upstream"],
                        help="run only one side")
    parser.add_argument("--before", metavar="GIT_REVISION",
                        help="also this revision of the repository, as the side 'before'")
    args = parser.parse_args()

    benches = select(args.only, args.slurm)
    sides = {}
    candidates = [("ours", args.ours_python, OURS, install_ours),
                  ("upstream", args.upstream_python, UPSTREAM, install_upstream)]
    if args.before:
        candidates.insert(1, ("before", None, BEFORE, lambda: install_before(args.before)))
    for side, given, default, installer in candidates:
        if args.side and side != "before" and args.side != side:
            continue
        if given:
            sides[side] = Path(given)
        elif args.skip_install:
            sides[side] = default / "bin" / "python"
        else:
            try:
                sides[side] = installer()
            except Exception as e:
                log(f"!! could not install {side}: {e}")
                sides[side] = None
    versions = {s: (version(p) if p else "?") for s, p in sides.items()}
    log(f"interpreters: { {s: str(p) for s, p in sides.items()} } versions: {versions}")

    results = {}
    for bench in benches:
        log(f"== {bench.name}")
        rounds = {side: [] for side in sides}
        for _ in range(bench.rounds):
            for side, python in sides.items():
                if python is None or not python.exists():
                    r = {"error": f"no interpreter for {side}"}
                else:
                    r = run_one(python, bench)
                rounds[side].append(r)
                log(f"   {side}: {r}")
        results[bench.name] = {side: median_result(rs) for side, rs in rounds.items()}

    # Table: one row per metric; ratio > 1 means ours is better
    ours_v, up_v = versions.get("ours", "?"), versions.get("upstream", "?")
    before = "before" in sides
    head = f"| benchmark | metric | better | ours ({ours_v}) "
    head += f"| before ({args.before}) " if before else ""
    head += f"| upstream ({up_v}) | ours vs upstream (>1 = ours better) "
    head += "| ours vs before |" if before else "|"
    lines = [head, "|---" * (7 if before else 6) + "|"]
    for bench in benches:
        r = results[bench.name]
        for metric, higher in bench.metrics.items():
            a, b = value(r.get("ours"), metric), value(r.get("upstream"), metric)
            better = {True: "higher", False: "lower", None: "(info)"}[higher]
            row = f"| {bench.name} | {metric} | {better} | {fmt(a)} "
            if before:
                row += f"| {fmt(value(r.get('before'), metric))} "
            row += f"| {fmt(b)} | {ratio(a, b, higher)} "
            if before:
                row += f"| {ratio(a, value(r.get('before'), metric), higher)} "
            lines.append(row + "|")
    floor_python = next((p for p in sides.values() if p and p.exists()), None)
    for n in sorted({b.floor for b in benches if b.floor}):
        if floor_python:
            f = floor(n, floor_python)
            lines.append(f"| floor-{n} | seconds ({n} `python -c pass`, {os.cpu_count()} at "
                         f"once) | lower | {fmt(f)} |" + " |" * (4 if before else 3))
    table = "\n".join(lines)
    print(table)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(
            {"versions": versions, "results": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
