"""The driver's console summary: a live line on a terminal, plain log lines otherwise."""

import json
import os
import sys
import threading

from .jobs import JobState

REFRESH = 0.5


class StatusDisplay:
    def __init__(self, scheduler, stream=None):
        self.scheduler = scheduler
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty() and os.environ.get("XPM_NO_LIVE") is None
        self._stop = threading.Event()
        self._thread = None
        self._last_line = ""
        self._lock = threading.Lock()
        self._last_summary = 0.0

    def start(self):
        if self.live:
            self._thread = threading.Thread(target=self._loop, name="xpm-display", daemon=True)
            self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
            self._render(final=True)

    def counts(self) -> dict:
        c = {"done": 0, "running": 0, "queued": 0, "failed": 0, "waiting": 0, "skipped": 0}
        for job in list(self.scheduler.jobs):
            s = job.state
            if s is JobState.DONE:
                c["done"] += 1
            elif s is JobState.ERROR:
                c["failed"] += 1
            elif s is JobState.RUNNING:
                # started, but still waiting in a cluster's queue: not running yet
                c["queued" if job.run.queued else "running"] += 1
            elif s is JobState.SKIPPED:
                c["skipped"] += 1
            else:
                c["waiting"] += 1
        return c

    def job_changed(self, job):
        """Called on each state change (scheduler or driver thread). On a terminal, only
        failures get a line (above the live summary), when they happen."""
        s = job.state
        if s is JobState.ERROR:
            extra = f" ({job.failure_message})" if job.failure_message else ""
            log = f" log: {job.stderr}" if job.failure_reason != "dependency" else ""
            line = f"[xpm] FAILED  {job.relpath} [{job.failure_reason}]{extra}{log}"
            if self.live:
                self._print_above(line)
            else:
                self._print(line)
        elif self.live:
            return
        elif s is JobState.RUNNING:
            if job.attached:
                self._print(f"[xpm] running {job.relpath} (started by another process:"
                            " followed here)")
            else:
                self._print(f"[xpm] started {job.relpath}")
        elif s is JobState.DONE:
            by = " (run by another process)" if job.attached else ""
            self._print(f"[xpm] done    {job.relpath}{by}")

    def _print_above(self, line: str):
        """A line above the live summary (cleared here; redrawn at the next refresh)."""
        with self._lock:
            self.stream.write("\r" + " " * len(self._last_line) + "\r" + line + "\n")
            self.stream.flush()
            self._last_line = ""

    def _print(self, line: str):
        with self._lock:
            print(line, file=self.stream, flush=True)

    def _loop(self):
        while not self._stop.wait(REFRESH):
            self._render()

    def _render(self, final=False):
        c = self.counts()
        line = f"[xpm] {c['done']} done, {c['running']} running, "
        if c["queued"]:
            line += f"{c['queued']} queued, "
        line += f"{c['failed']} failed, {c['waiting']} waiting"
        if c["skipped"]:
            line += f", {c['skipped']} skipped"
        progress = self._progress()
        if progress and not final:
            line += " | " + progress
        width = _width(self.stream)
        line = line[:width]
        with self._lock:
            self.stream.write("\r" + line.ljust(len(self._last_line)) + ("\n" if final else ""))
            self.stream.flush()
            self._last_line = line

    def _progress(self) -> str:
        parts = []
        for job in list(self.scheduler.jobs):
            if job.state is not JobState.RUNNING:
                continue
            p = read_progress(job)
            if p:
                parts.append(f"{job.name} {p}")
        return ", ".join(parts[:3])


def read_progress(job) -> str:
    path = job.folder.progress
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return ""
    levels = sorted(data.items(), key=lambda kv: int(kv[0]))
    out = []
    for _, p in levels:
        desc = f"{p.get('desc')} " if p.get("desc") else ""
        out.append(f"{desc}{100 * float(p.get('value', 0)):.0f}%")
    return " / ".join(out)


def _width(stream) -> int:
    try:
        columns = os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 120
    return columns or 120
