"""Following jobs through their folders: file events on the markers (one watchdog observer
per event loop, shared by everyone waiting), and the process of a job that another
process started, which ends with a marker or when nobody runs the job any more."""

import asyncio
import importlib
import logging
import os
from typing import Dict, Optional

from experimaestro.jobfolder import LOST_MESSAGE, FailureReason

from . import LauncherProcess
from .handles import handle_for

logger = logging.getLogger("xpm.launchers")

POLL_MIN, POLL_MAX = 0.5, 5.0

#: XPM_WATCHER (run-experiment --watcher) -> the watchdog observer ("module:Class")
OBSERVERS = {
    "inotify": "watchdog.observers.inotify:InotifyObserver",
    "fsevents": "watchdog.observers.fsevents:FSEventsObserver",
    "kqueue": "watchdog.observers.kqueue:KqueueObserver",
    "windows": "watchdog.observers.read_directory_changes:WindowsApiObserver",
}


def poll_bounds():
    """(shortest, longest) time between two looks at a job folder; the longest is
    XPM_POLLING_INTERVAL when set (run-experiment --polling-interval)."""
    given = os.environ.get("XPM_POLLING_INTERVAL")
    if not given:
        return POLL_MIN, POLL_MAX
    try:
        longest = max(float(given), 0.05)
    except ValueError:
        logger.warning("XPM_POLLING_INTERVAL=%r is not a number of seconds: using %s",
                       given, POLL_MAX)
        return POLL_MIN, POLL_MAX
    return min(POLL_MIN, longest), longest


def _make_observer():
    """The file-event observer XPM_WATCHER asks for (None: polling only)."""
    kind = os.environ.get("XPM_WATCHER", "auto") or "auto"
    if kind == "polling":
        return None
    if kind == "auto":
        from watchdog.observers import Observer
    elif kind in OBSERVERS:
        module, _, name = OBSERVERS[kind].partition(":")
        Observer = getattr(importlib.import_module(module), name)
    else:
        raise ValueError(f"XPM_WATCHER={kind!r}: expected one of auto, polling,"
                         f" {', '.join(OBSERVERS)}")
    return Observer()

_events: Dict[int, "MarkerEvents"] = {}


class MarkerEvents:
    """Calls back (in the event loop) when a job's ``.done`` or ``.failed`` appears."""

    @classmethod
    def of_loop(cls, loop) -> "MarkerEvents":
        events = _events.get(id(loop))
        if events is None or events.loop is not loop:
            events = _events[id(loop)] = MarkerEvents(loop)
        return events

    @classmethod
    def close_loop(cls, loop):
        events = _events.pop(id(loop), None)
        if events is not None:
            events.stop()

    def __init__(self, loop):
        self.loop = loop
        self.observer = None
        try:
            self.observer = _make_observer()
            if self.observer is not None:
                self.observer.daemon = True
                self.observer.start()
        except Exception as exc:  # noqa: BLE001 - polling still works
            level = logging.WARNING if os.environ.get("XPM_WATCHER") else logging.INFO
            logger.log(level, "file events unavailable (%s: %s): polling job folders",
                       type(exc).__name__, exc)
            self.observer = None

    def watch(self, job, callback):
        """A watch calling ``callback()`` on the job's markers; None if events are
        unavailable (the caller polls anyway)."""
        if self.observer is None:
            return None
        from watchdog.events import FileSystemEventHandler

        loop = self.loop
        suffixes = (f"{job.name}.done", f"{job.name}.failed")

        class Handler(FileSystemEventHandler):
            def on_any_event(self, ev):
                path = str(getattr(ev, "dest_path", "") or ev.src_path)
                if path.endswith(suffixes):
                    loop.call_soon_threadsafe(callback)

        try:
            return self.observer.schedule(Handler(), str(job.path), recursive=False)
        except Exception:  # noqa: BLE001 - e.g. inotify limit: polling
            return None

    def unwatch(self, watch):
        if watch is not None and self.observer is not None:
            try:
                self.observer.unschedule(watch)
            except Exception:  # noqa: BLE001 - already gone
                pass

    def stop(self):
        if self.observer is not None:
            self.observer.stop()


class MarkerFollower(LauncherProcess):
    """A job that another process runs (an earlier driver's child, another experiment's):
    it ends with a marker, or when nobody holds the job lock and its ``.pid`` record names
    no live process. A record of another kind appearing meanwhile (another driver
    submitted the job to a cluster) is followed its own way."""

    def __init__(self, job, launcher, handle=None):
        self.job = job
        self.launcher = launcher
        self.handle = handle
        self.end_reason = None
        self.end_message = None

    def pid_record(self) -> dict:
        return self.handle.record if self.handle is not None else {}

    def kill(self):
        handle = handle_for(self.job.disk_state().pid) or self.handle
        if handle is not None:
            try:
                handle.kill()
            except (ProcessLookupError, OSError):
                pass

    async def wait(self) -> int:
        loop = asyncio.get_running_loop()
        events = MarkerEvents.of_loop(loop)
        changed = asyncio.Event()
        watch = events.watch(self.job, changed.set)
        delay, longest = poll_bounds()
        try:
            while True:
                code = await self._look()
                if code is not None:
                    return code
                try:
                    await asyncio.wait_for(changed.wait(), delay)
                    changed.clear()
                except asyncio.TimeoutError:
                    delay = min(delay * 1.5, longest)
        finally:
            events.unwatch(watch)

    async def _look(self) -> Optional[int]:
        """The exit code once the job ended, else None."""
        folder = self.job.folder
        disk = folder.state()
        if disk.state in ("done", "failed"):
            return 0 if disk.state == "done" else 1
        if not folder.lock_free():
            return None  # its process runs (or its driver is starting it)
        handle = handle_for(disk.pid)
        if handle is not None and not handle.local:
            other = handle.follow(self.job, self.launcher)
            code = await other.wait()
            self.end_reason, self.end_message = other.end_reason, other.end_message
            return code
        if handle is not None and handle.alive():
            return None
        disk = folder.state()  # it may have written its marker just before leaving
        if disk.state in ("done", "failed"):
            return 0 if disk.state == "done" else 1
        # (not our child: how it ended is unknown)
        self.end_reason = FailureReason.LOST
        self.end_message = LOST_MESSAGE
        return -1
