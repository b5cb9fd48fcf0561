"""The web monitors of ours and of experimaestro 2.7.0, side by side, on a workspace of
finished jobs written by make_workspace.py (100,000 by default), seen by a real headless
Chromium (Playwright).

    /work/main/.venv/bin/python bench/bench_monitor_web.py --workdir /tmp/ws100k \\
        --ours-python /tmp/xpm-ours/bin/python \\
        --ref-python /work/main/.venv-ref27/bin/python --markdown table.md

This program runs in an environment with Playwright (it only drives the browser); each
side's server runs as a subprocess of that side's interpreter, in its own process group,
from a temporary folder (no source tree on its path):
- ours: ``python -m experimaestro experiments monitor --workdir W --port P --token T``;
  its page ``/?token=T#/jobs?xp=bench`` shows the first page of the experiment's jobs
  (``table.jobs tbody tr``);
- 2.7.0: ``python -m experimaestro experiments --workdir W monitor --port P``; the
  ``/auth?xpm-token=...`` address it logs sets the cookie and opens its page, whose first
  screen is the list of experiments: the benchmark clicks the row of ``bench`` (the
  2.7.0 page has no address for a view), which opens its jobs (``tr.job-row``), every
  job it has received at that time (no pages).

Measured for each side, in --repeat runs (a new server each time, the sides alternate):
1. listening: from starting the process to its address line (s);
2. first jobs: from starting the process to the first job rows visible in Chromium (s),
   the page opened as soon as the address is printed; after --timeout s without rows:
   ``timeout``;
3. rows: the job rows on that first screen, and again after the idle period (``page
   busy``: the page did not answer within 20 s);
4. idle CPU: the server's CPU (utime + stime of /proc/PID/stat, its children excluded)
   over --idle s after the first screen, the page left open (ms of CPU per s);
5. peak RSS: the server's VmHWM (/proc/PID/status) at the end (MB).
With --screenshots DIR, the page is saved after the idle period (not before: the idle
period starts right after the first screen).

The table gives, per side and metric, the best run (the smallest, the largest number of
rows) and all runs. Ours reads the workspace index (``W/.experimaestro/index.sqlite``)
when there is one: the benchmark leaves it as it is (the table says whether it was there).
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional

sys.path.insert(0, str(Path(__file__).parent))

from common import report  # noqa: E402
from make_workspace import ensure_workspace  # noqa: E402

#: The experiment of the generated workspace
XP = "bench"
#: Our workspace index (read by our monitor when it exists)
INDEX = Path(".experimaestro") / "index.sqlite"
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: Returns the number of visible elements matching the selector (0 when none yet)
VISIBLE_ROWS_JS = """(selector) => {
  const rows = document.querySelectorAll(selector);
  if (!rows.length) return 0;
  const box = rows[0].getBoundingClientRect();
  return box.width > 0 && box.height > 0 ? rows.length : 0;
}"""
CLK_TCK = os.sysconf("SC_CLK_TCK")


# -- the two sides -----------------------------------------------------------------------

@dataclass
class Side:
    name: str
    python: str
    #: the command line, given the workspace, the port and a token
    command: Callable[[Path, int, str], List[str]]
    #: matches the line printed once the server listens; group "url": the page to open
    listening: "re.Pattern"
    #: opens the jobs of XP in the page at ``url``; returns the seconds it waited for
    #: something before the jobs' view (None: nothing)
    open_jobs: Callable[..., Optional[float]]
    #: the rows of jobs in that view
    rows: str


def ours_command(python, workdir, port, token):
    return [python, "-m", "experimaestro", "experiments", "monitor", "--workdir",
            str(workdir), "--port", str(port), "--token", token]


def ref_command(python, workdir, port, token):
    return [python, "-m", "experimaestro", "experiments", "--workdir", str(workdir),
            "monitor", "--port", str(port)]


def ours_open_jobs(page, url, deadline):
    page.goto(f"{url}#/jobs?xp={XP}", timeout=remaining_ms(deadline))


def ref_open_jobs(page, url, deadline):
    """2.7.0 opens on its list of experiments: click the row of XP."""
    start = time.perf_counter()
    page.goto(url, timeout=remaining_ms(deadline))
    row = page.locator("table.experiments-table tbody tr").filter(has_text=XP).first
    row.click(timeout=remaining_ms(deadline))
    return time.perf_counter() - start


def make_sides(args) -> List[Side]:
    sides = {
        "ours": Side("ours", args.ours_python,
                     lambda w, p, t: ours_command(args.ours_python, w, p, t),
                     re.compile(r"web monitor of .*: (?P<url>http://\S+)"),
                     ours_open_jobs, "table.jobs tbody tr"),
        "2.7.0": Side("2.7.0", args.ref_python,
                      lambda w, p, t: ref_command(args.ref_python, w, p, t),
                      re.compile(r"Web server started on (?P<url>http://\S+)"),
                      ref_open_jobs, "table.jobs-table tbody tr.job-row"),
    }
    for name in args.sides:
        if name not in sides:
            sys.exit(f"unknown side {name!r}: choose among {', '.join(sides)}")
        if not Path(sides[name].python).exists():
            sys.exit(f"{name}: no interpreter at {sides[name].python}")
    return [sides[name] for name in args.sides]


# -- a server process ------------------------------------------------------------------

class Server:
    """A server process in its own process group; its output is read by two threads
    (kept: the last lines, and the time of the address line)."""

    def __init__(self, side: Side, workdir: Path, cwd: Path):
        self.side = side
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.tail: List[str] = []
        self.url: Optional[str] = None
        self.listening = threading.Event()
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        self.start = time.perf_counter()
        self.process = subprocess.Popen(
            side.command(workdir, self.port, self.token), cwd=cwd, env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, errors="replace", start_new_session=True)
        self.listened_at: Optional[float] = None
        for stream in (self.process.stdout, self.process.stderr):
            threading.Thread(target=self._read, args=(stream,), daemon=True).start()

    def _read(self, stream):
        for line in stream:
            self.tail = (self.tail + [line.rstrip()])[-30:]
            match = self.side.listening.search(line)
            if match and not self.listening.is_set():
                self.listened_at = time.perf_counter()
                self.url = match.group("url")
                self.listening.set()

    def wait_listening(self, timeout: float) -> float:
        """Seconds from the start to the address line; exits on failure."""
        deadline = time.monotonic() + timeout
        while not self.listening.wait(0.05):
            if self.process.poll() is not None or time.monotonic() > deadline:
                time.sleep(0.2)  # (the last lines)
                why = (f"exited with {self.process.returncode}"
                       if self.process.poll() is not None else f"silent for {timeout:.0f} s")
                raise RuntimeError(f"{self.side.name}: the server {why} before listening:\n  "
                                   + "\n  ".join(self.tail[-10:]))
        return self.listened_at - self.start

    def kill(self):
        """The whole process group: TERM, then KILL after 5 s."""
        if self.process.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(wait)
                return
            except subprocess.TimeoutExpired:
                pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """utime + stime of the process (all its threads, not its children)."""
    text = Path(f"/proc/{pid}/stat").read_text()
    fields = text[text.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # fields 14 and 15 of stat


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmHWM in /proc/{pid}/status")


def remaining_ms(deadline: float) -> float:
    return max(1.0, (deadline - time.monotonic()) * 1000)


# -- one run ---------------------------------------------------------------------------

def first_screen(page, side: Side, server: Server, timeout: float):
    """(seconds from the process start to visible job rows, rows) or (None, 0) after
    ``timeout`` s; and the seconds spent before the jobs' view (2.7.0: its experiments)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout
    before = None
    try:
        before = side.open_jobs(page, server.url, deadline)
        handle = page.wait_for_function(VISIBLE_ROWS_JS, arg=side.rows,
                                        timeout=remaining_ms(deadline))
        seen = time.perf_counter()
        return seen - server.start, handle.json_value(), before
    except PlaywrightTimeout:
        return None, 0, before


def count_rows(page, selector: str, timeout: float = 20.0) -> Optional[int]:
    """The rows in the page, None when its main thread is too busy to answer in time."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        handle = page.wait_for_function("(s) => document.querySelectorAll(s).length + 1",
                                        arg=selector, timeout=timeout * 1000)
    except PlaywrightTimeout:
        return None
    return handle.json_value() - 1  # (a number: known without asking the page)


def screenshot(page, args, name: str):
    """Best effort: a busy page may not give one within 15 s (then a note on stderr)."""
    from playwright.sync_api import Error as PlaywrightError

    if not args.screenshots:
        return
    args.screenshots.mkdir(parents=True, exist_ok=True)
    try:
        page.screenshot(path=str(args.screenshots / f"{name}.png"), timeout=15_000)
    except PlaywrightError as exc:
        print(f"  no screenshot {name}: {str(exc).splitlines()[0]}", file=sys.stderr)


def one_run(browser, side: Side, args, cwd: Path, number: int) -> dict:
    had_index = (args.workdir / INDEX).exists()
    server = Server(side, args.workdir, cwd)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        run = {"listening": server.wait_listening(args.listen_timeout), "index": had_index}
        page = context.new_page()
        run["first"], run["rows"], run["before"] = first_screen(page, side, server,
                                                                 args.timeout)
        start_cpu, start = cpu_seconds(server.process.pid), time.perf_counter()
        time.sleep(args.idle)
        used = cpu_seconds(server.process.pid) - start_cpu
        run["idle_cpu"] = 1000 * used / (time.perf_counter() - start)
        run["rows_after"] = count_rows(page, side.rows)
        screenshot(page, args, f"{side.name}-{number}")
        run["rss"] = peak_rss_mb(server.process.pid)
        if server.process.poll() is not None:
            raise RuntimeError(f"{side.name}: the server ended during the run")
        return run
    finally:
        context.close()
        server.kill()


def launch_browser(playwright, chromium: str):
    if not (Path(chromium).is_file() and os.access(chromium, os.X_OK)):
        sys.exit(f"no Chromium at {chromium}: give its path with --chromium")
    return playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)


def run_all(sides: List[Side], args) -> dict:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sys.exit("Playwright is missing: run this program with an interpreter that has it"
                 " (pip install playwright; /work/main/.venv/bin/python has it)")
    results = {side.name: [] for side in sides}
    cwd = Path(tempfile.mkdtemp(prefix="bench-monitor-web-"))
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright, args.chromium)
            for i in range(args.repeat):
                for side in sides if i % 2 == 0 else sides[::-1]:
                    print(f"run {i + 1}/{args.repeat}: {side.name}", file=sys.stderr,
                          flush=True)
                    run = one_run(browser, side, args, cwd, i + 1)
                    print(f"  {describe(run, args.timeout)}", file=sys.stderr, flush=True)
                    results[side.name].append(run)
            browser.close()
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
    return results


# -- the table -------------------------------------------------------------------------

def seconds(value, timeout):
    return f"timeout (>{timeout:.0f} s)" if value is None else f"{value:.2f}"


def number(form, none="-"):
    """A formatter of values (None: not measured)."""
    return lambda value, timeout: none if value is None else format(value, form)


def describe(run: dict, timeout: float) -> str:
    before = "" if run["before"] is None else f", {run['before']:.2f} s before the jobs' view"
    return (f"listening {run['listening']:.2f} s, first jobs {seconds(run['first'], timeout)}"
            f"{before} ({run['rows']} rows, {run['rows_after']} after idle), idle CPU"
            f" {run['idle_cpu']:.1f} ms/s, peak RSS {run['rss']:.0f} MB")


#: (label, key of a run, the best of the runs, format of a value)
METRICS = [
    ("listening (s)", "listening", min, number(".2f")),
    ("first job rows visible (s)", "first", min, seconds),
    ("  of which before the jobs' view (s)", "before", min, number(".2f")),
    ("job rows on the first screen", "rows", max, number("d")),
    ("job rows after the idle period", "rows_after", max, number("d", "page busy")),
    ("idle CPU (ms/s)", "idle_cpu", min, number(".1f")),
    ("peak RSS (MB)", "rss", min, number(".0f")),
]


def best_of(values, choose):
    known = [v for v in values if v is not None]
    return choose(known) if known else None


def table(results: dict, args) -> str:
    lines = ["| side | metric | best | runs |", "|---|---|---|---|"]
    for name, runs in results.items():
        for label, key, choose, fmt in METRICS:
            values = [run[key] for run in runs]
            if key == "before" and all(v is None for v in values):
                continue
            shown = fmt(best_of(values, choose), args.timeout)
            lines.append(f"| {name} | {label} | {shown} | "
                         f"{', '.join(fmt(v, args.timeout) for v in values)} |")
        lines.append(f"| {name} | index.sqlite there | | "
                     f"{', '.join('yes' if run['index'] else 'no' for run in runs)} |")
    return "\n".join(lines) + "\n"


def header(args) -> str:
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return (f"Web monitors on {args.workdir} ({args.jobs} jobs), {args.repeat} runs each,"
            f" idle {args.idle:.0f} s, first-screen timeout {args.timeout:.0f} s,"
            f" {os.cpu_count()} CPUs, load average at the end {load}\n\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ws100k"))
    parser.add_argument("--jobs", type=int, default=100_000,
                        help="jobs of the workspace (generated when WORKDIR has none)")
    parser.add_argument("--ours-python", default="/tmp/xpm-ours/bin/python")
    parser.add_argument("--ref-python", default="/work/main/.venv-ref27/bin/python",
                        help="the interpreter of experimaestro 2.7.0")
    parser.add_argument("--sides", nargs="+", default=["ours", "2.7.0"])
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--idle", type=float, default=30.0,
                        help="seconds of idle CPU measured after the first screen")
    parser.add_argument("--timeout", type=float, default=120.0,
                        help="seconds from listening to job rows before a timeout")
    parser.add_argument("--listen-timeout", type=float, default=300.0)
    parser.add_argument("--markdown", type=Path, help="write the table there too")
    parser.add_argument("--screenshots", type=Path, metavar="DIR",
                        help="save the page after the idle period")
    args = parser.parse_args()
    args.workdir = args.workdir.absolute()
    # killed: still stop the servers (the finally clauses)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(f"killed ({signal.SIGTERM.name})"))

    ensure_workspace(args.workdir, args.jobs)
    sides = make_sides(args)
    results = run_all(sides, args)
    text = header(args) + table(results, args)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)
    report(bench="monitor-web", jobs=args.jobs, runs=results)


if __name__ == "__main__":
    main()
