"""Run the benchmarks under our experimaestro and upstream experimaestro 2.7.0, side by side.

    python bench/run.py [--only NAME ...] [--skip-install] [--markdown FILE] [--slurm]

Two virtual environments (never the project's dependencies):
- /tmp/xpm-ours: this repository installed with pip (not editable: pip compiles the
  .pyc files, which matters on machines with PYTHONDONTWRITEBYTECODE=1);
- /tmp/xpm-up: `pip install experimaestro==2.7.0`.
Each benchmark runs in a fresh temporary folder (outside the repository, so that the
source tree is never imported by accident) and prints one JSON line.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).parent.absolute()
REPO = BENCH.parent
OURS = Path("/tmp/xpm-ours")
UPSTREAM = Path("/tmp/xpm-up")

#: (name, program, arguments, metric, higher is better, timeout in seconds)
BENCHES = [
    ("import", "bench_import.py", [], "import_ms", False, 300),
    ("identifiers", "bench_identifiers.py", [], "configs_per_s", True, 600),
    ("jobs-100", "bench_jobs.py", ["--n", "100"], "seconds", False, 600),
    ("jobs-1000", "bench_jobs.py", ["--n", "1000"], "seconds", False, 3600),
    ("rerun-100", "bench_rerun.py", ["--n", "100"], "seconds", False, 600),
    ("rerun-10000", "bench_rerun.py", ["--n", "10000"], "seconds", False, 3600),
    ("chain-20", "bench_chain.py", ["--n", "20"], "per_step_ms", False, 600),
]
SLURM_BENCHES = [
    ("slurm-1000", "bench_slurm.py", ["--n", "1000"], "seconds", False, 7200),
]


def venv(path: Path, *requirements: str, reinstall: bool = False):
    python = path / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(path)], check=True)
    if reinstall or not (path / ".installed").exists():
        subprocess.run([str(python), "-m", "pip", "install", "-q", *requirements], check=True)
        (path / ".installed").touch()
    return python


def install(skip: bool):
    if skip:
        return OURS / "bin" / "python", UPSTREAM / "bin" / "python"
    ours = venv(OURS, str(REPO))
    # Reinstall our package (not its dependencies) so that the benchmark sees this tree
    subprocess.run([str(ours), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps",
                    str(REPO)], check=True)
    upstream = venv(UPSTREAM, "experimaestro==2.7.0")
    return ours, upstream


def run_one(python: Path, program: str, args, timeout: float) -> dict:
    with tempfile.TemporaryDirectory(prefix="xpm-bench-") as tmp:
        cmd = [str(python), str(BENCH / program), *args]
        if "--n" in args:
            cmd += ["--workdir", str(Path(tmp) / "workspace")]
        env = dict(os.environ, PYTHONPATH=str(BENCH), XPM_NO_LIVE="1")
        start = time.time()
        try:
            proc = subprocess.run(cmd, cwd=tmp, env=env, capture_output=True, text=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f}s"}
        if proc.returncode != 0:
            return {"error": (proc.stderr.strip().splitlines() or ["?"])[-1]}
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        if not lines:
            return {"error": "no result line"}
        result = json.loads(lines[-1])
        result["wall"] = time.time() - start
        return result


def floor(n: int, python: Path) -> float:
    """N `python -c pass` processes, as many at once as there are CPUs."""
    from concurrent.futures import ThreadPoolExecutor

    start = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(lambda _: subprocess.run([str(python), "-c", "pass"]), range(n)))
    return time.perf_counter() - start


def fmt(v):
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1000 else f"{v:,.0f}"
    return str(v)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="*", help="names of benchmarks to run")
    parser.add_argument("--skip-install", action="store_true")
    parser.add_argument("--slurm", action="store_true", help="also the Slurm benchmarks")
    parser.add_argument("--markdown", help="write the table in this file")
    parser.add_argument("--ours-python")
    parser.add_argument("--upstream-python")
    args = parser.parse_args()
    ours, upstream = install(args.skip_install)
    ours = Path(args.ours_python or ours)
    upstream = Path(args.upstream_python or upstream)
    benches = BENCHES + (SLURM_BENCHES if args.slurm else [])
    if args.only:
        benches = [b for b in benches if b[0] in args.only]
    rows = []
    for name, program, bargs, metric, higher, timeout in benches:
        print(f"== {name}", file=sys.stderr, flush=True)
        r_ours = run_one(ours, program, bargs, timeout)
        r_up = run_one(upstream, program, bargs, timeout)
        a, b = r_ours.get(metric), r_up.get(metric)
        ratio = ""
        if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a and b:
            ratio = f"{(a / b if higher else b / a):.1f}x"
        rows.append((name, metric, a if a is not None else r_ours.get("error"),
                     b if b is not None else r_up.get("error"), ratio, r_ours, r_up))
        print(f"   ours {r_ours}\n   upstream {r_up}", file=sys.stderr, flush=True)
    floors = {}
    for n in (100, 1000):
        if any(r[0] == f"jobs-{n}" for r in rows):
            floors[n] = floor(n, ours)
    header = "| benchmark | metric | ours | upstream 2.7.0 | ours vs upstream |"
    lines = [header, "|---|---|---|---|---|"]
    for name, metric, a, b, ratio, _, _ in rows:
        lines.append(f"| {name} | {metric} | {fmt(a)} | {fmt(b)} | {ratio} |")
    for n, f in floors.items():
        lines.append(f"| floor-{n} | seconds ({n} `python -c pass`, {os.cpu_count()} at once)"
                     f" | {fmt(f)} | | |")
    table = "\n".join(lines)
    print(table)
    extras = {r[0]: {"ours": r[5], "upstream": r[6]} for r in rows}
    print(json.dumps(extras, indent=1), file=sys.stderr)
    if args.markdown:
        Path(args.markdown).write_text(table + "\n")


if __name__ == "__main__":
    main()
