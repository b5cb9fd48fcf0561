"""The monitors at scale, on a workspace of finished jobs written by make_workspace.py
(100,000 by default): what a monitor pays before its first screen, how long a marker
takes to reach it, and what it costs when nothing happens.

    python bench/bench_monitor.py --workdir /tmp/ws100k [--web]

Measured, in this process (the experimaestro it imports: run it with an installed
package, not a source tree):
- index build: the first reading of a workspace without an index (reads every folder);
- model load: MonitorModel.load() with the index (what both UIs do before their first
  screen), best of --repeat, each in a new model;
- first page: the jobs of the experiment, sorted by state, first 200 rows (what both UIs
  show first);
- marker latency: from writing a ``.done`` marker to the model's listener being told, for
  a job not ended (file events; --repeat times);
- idle CPU: CPU seconds used by this process over --idle seconds while the watcher runs
  and nothing changes (user + system, all threads);
- with --web: a web monitor served by a new process (``experiments monitor --port``):
  from its start to the first page of jobs answered over HTTP.
"""

import argparse
import json
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from experimaestro.monitor.model import MonitorModel
from experimaestro.monitor.watch import ModelWatcher

sys.path.insert(0, str(Path(__file__).parent))
from make_workspace import ensure_workspace  # noqa: E402


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def best(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), times


def index_build(workdir: Path) -> float:
    """A copy of the index is set aside, the reading runs without it, then it is put back."""
    index = workdir / ".experimaestro"
    saved = Path(tempfile.mkdtemp()) / "index"
    if index.exists():
        shutil.move(str(index), saved)
    try:
        start = time.perf_counter()
        model = MonitorModel(workdir)
        model.load()
        elapsed = time.perf_counter() - start
        model.close()
        return elapsed
    finally:
        if saved.exists():
            shutil.rmtree(index, ignore_errors=True)
            shutil.move(str(saved), index)


def pending_job(workdir: Path, n: int):
    """A copy of a done job under a new identifier, without its marker."""
    type_dir = next(p for p in (workdir / "jobs").iterdir() if p.is_dir())
    src = next(p for p in type_dir.iterdir() if p.is_dir())
    ident = f"{n:064x}"
    dest = type_dir / ident
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(src, dest)
    for marker in dest.glob("*.done"):
        marker.unlink()
    return (type_dir.name, ident), dest, next(src.glob("*.done")).name


def marker_latency(model, workdir: Path, repeat: int):
    times, made = [], []
    for n in range(repeat):
        key, folder, marker = pending_job(workdir, 0xBE00 + n)
        made.append(folder)
        deadline = time.monotonic() + 10
        while model.job(key) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # (its folder is watched now)
        seen = threading.Event()
        unsubscribe = model.subscribe(lambda keys: seen.set() if keys and key in keys
                                      and model.job(key).state == "done" else None)
        start = time.perf_counter()
        (folder / marker).write_text("")
        seen.wait(10)
        times.append(time.perf_counter() - start)
        unsubscribe()
    for folder in made:
        shutil.rmtree(folder, ignore_errors=True)
    return times


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def web_first_page(workdir: Path, experiment: str) -> float:
    port, token = free_port(), "bench"
    start = time.perf_counter()
    server = subprocess.Popen(
        [sys.executable, "-m", "experimaestro", "experiments", "monitor", "--workdir",
         str(workdir), "--port", str(port), "--token", token],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = (f"http://127.0.0.1:{port}/api/jobs?experiment={experiment}&sort=state"
           f"&limit=200")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        while True:
            try:
                with urllib.request.urlopen(request, timeout=5) as answer:
                    json.loads(answer.read())
                return time.perf_counter() - start
            except (ConnectionError, urllib.error.URLError):
                if server.poll() is not None or time.perf_counter() - start > 60:
                    raise RuntimeError("the web monitor did not answer")
                time.sleep(0.02)
    finally:
        server.terminate()
        server.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--idle", type=float, default=30.0)
    parser.add_argument("--no-build", action="store_true",
                        help="Do not measure the first index build")
    parser.add_argument("--web", action="store_true")
    args = parser.parse_args()
    ensure_workspace(args.workdir, args.jobs)

    results = {}
    if not args.no_build:
        results["index build (s)"] = index_build(args.workdir)

    def load():
        model = MonitorModel(args.workdir)
        model.load()
        model.close()
    results["model load (s)"], _ = best(load, args.repeat)

    model = MonitorModel(args.workdir)
    model.load()
    experiment = model.experiments()[0].experiment
    results["first page (s)"], _ = best(
        lambda: model.select(experiment, sort="state", limit=200), args.repeat)
    results["first page, filtered (s)"], _ = best(
        lambda: model.select(experiment, query='@state = "failed"', limit=200), args.repeat)
    watcher = ModelWatcher(model)
    watcher.start()
    try:
        latencies = marker_latency(model, args.workdir, args.repeat)
        results["marker latency, median (s)"] = sorted(latencies)[len(latencies) // 2]
        results["marker latency, max (s)"] = max(latencies)
        time.sleep(2)  # (the last events settle)
        before, start = cpu(), time.monotonic()
        time.sleep(args.idle)
        results["idle CPU (ms per s)"] = 1000 * (cpu() - before) / (time.monotonic() - start)
    finally:
        watcher.stop()
        model.close()
    if args.web:
        results["web: process start to first page (s)"] = web_first_page(args.workdir,
                                                                         experiment)
    rows = sum(1 for _ in model.jobs())
    print(f"# monitor bench: {rows} jobs in {args.workdir}")
    for name, value in results.items():
        print(f"{name:40s} {value:.3f}")


if __name__ == "__main__":
    main()
