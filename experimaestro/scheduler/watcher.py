"""Waiting for jobs run by another process: marker files (watchdog) with a polling fallback."""

import asyncio
import logging
import threading

from experimaestro.jobfolder import FailureReason

from .jobs import JobState

logger = logging.getLogger("xpm.scheduler")

POLL_MIN, POLL_MAX = 0.5, 5.0


class MarkerWatcher:
    """Wakes waiting jobs when files change in their folders (polls when events are missing)."""

    def __init__(self, loop):
        self.loop = loop
        self.events = {}
        self.observer = None
        self._lock = threading.Lock()
        try:
            from watchdog.observers import Observer

            self.observer = Observer()
            self.observer.daemon = True
            self.observer.start()
        except Exception as exc:  # noqa: BLE001 - polling still works
            logger.info("file events unavailable (%s): polling job folders", exc)
            self.observer = None

    def _watch(self, job, event: asyncio.Event):
        if self.observer is None:
            return None
        from watchdog.events import FileSystemEventHandler

        loop = self.loop
        suffixes = (f"{job.name}.done", f"{job.name}.failed")

        class Handler(FileSystemEventHandler):
            def on_any_event(self, ev):
                path = getattr(ev, "dest_path", "") or ev.src_path
                if str(path).endswith(suffixes):
                    loop.call_soon_threadsafe(event.set)

        try:
            return self.observer.schedule(Handler(), str(job.path), recursive=False)
        except Exception:  # noqa: BLE001 - e.g. inotify limit: fall back to polling
            return None

    async def wait(self, job):
        from .scheduler import _pid_alive  # (scheduler imports this module)

        event = asyncio.Event()
        watch = self._watch(job, event)
        delay = POLL_MIN
        try:
            while True:
                disk = job.disk_state()
                if disk.state == "done":
                    return JobState.DONE, None, None
                if disk.state == "failed":
                    return JobState.ERROR, disk.reason, disk.message
                if job.folder.lock_free() and not _pid_alive(disk.pid):
                    # Nobody runs it any more, and it left no marker
                    disk = job.disk_state()
                    if disk.state == "done":
                        return JobState.DONE, None, None
                    if disk.state == "failed":
                        return JobState.ERROR, disk.reason, disk.message
                    message = "the process running the job died without a marker"
                    job.folder.write_failure(FailureReason.KILLED, message, -1)
                    job.folder.clear_pid()
                    return JobState.ERROR, FailureReason.KILLED.value, message
                try:
                    await asyncio.wait_for(event.wait(), delay)
                    event.clear()
                except asyncio.TimeoutError:
                    delay = min(delay * 1.5, POLL_MAX)
        finally:
            if watch is not None:
                try:
                    self.observer.unschedule(watch)
                except Exception:  # noqa: BLE001
                    pass

    def stop(self):
        if self.observer is not None:
            self.observer.stop()
