"""One status poller per cluster: batched ``squeue``/``sacct`` calls for our own job ids.

Marker files decide how a job ended when they exist (they are watched, so a normal end is
seen at once); the poller only has to notice jobs that Slurm ended without a marker
(killed before Python started, time limit, out of memory, node failure). The interval
grows while nothing changes, and backs off exponentially when a command fails or hangs.
"""

import asyncio
import logging
from typing import Dict, List, Optional, Tuple

from experimaestro.jobfolder import FailureReason

from ..follow import MarkerEvents
from .commands import SlurmCommandError, run_command

logger = logging.getLogger("xpm.slurm")

ACTIVE_STATES = {"PENDING", "RUNNING", "CONFIGURING", "COMPLETING", "SUSPENDED", "REQUEUED",
                 "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED", "REQUEUE_HOLD",
                 "REQUEUE_FED", "RESV_DEL_HOLD", "SPECIAL_EXIT"}
#: states of a job that waits in the queue (its process has not started)
QUEUED_STATES = {"PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_HOLD", "RESV_DEL_HOLD"}
#: Slurm end state -> reason written in .failed
REASONS = {"TIMEOUT": FailureReason.TIMEOUT, "DEADLINE": FailureReason.TIMEOUT,
           "OUT_OF_MEMORY": FailureReason.MEMORY, "CANCELLED": FailureReason.CANCELLED,
           "PREEMPTED": FailureReason.CANCELLED, "NODE_FAIL": FailureReason.NODE_FAIL,
           "BOOT_FAIL": FailureReason.NODE_FAIL, "FAILED": FailureReason.FAILED,
           "COMPLETED": FailureReason.FAILED, "REVOKED": FailureReason.CANCELLED}

MIN_INTERVAL = 1.0  # first query soon after a submission (jobs failing at once)
GROWTH = 1.5  # then less and less often while nothing goes wrong...
MAX_BACKOFF = 300.0  # ...and at most every 5 minutes while the commands fail
GRACE_POLLS = 2  # polls to wait for a marker after Slurm says the job ended


class Tracked:
    """A job followed by the poller."""

    def __init__(self, slurm_id: str, job, future: asyncio.Future):
        self.slurm_id = slurm_id
        self.job = job
        self.future = future
        self.ended_state: Optional[str] = None
        self.grace = 0
        self.watch = None


class SlurmPoller:
    def __init__(self, binpath: str, max_interval: float, loop):
        self.binpath = binpath
        self.max_interval = max(max_interval, MIN_INTERVAL)
        self.loop = loop
        self.tracked: Dict[str, List[Tracked]] = {}
        self.wake = asyncio.Event()
        self.task: Optional[asyncio.Task] = None
        self.sacct_available: Optional[bool] = None
        self.calls = {"squeue": 0, "sacct": 0}
        #: the queue state of each followed job at the last squeue
        self.queue_states: Dict[str, str] = {}
        self.interval = MIN_INTERVAL
        self.query_timeout = 30.0

    # -- tracking ------------------------------------------------------------------

    def follow(self, slurm_id: str, job) -> asyncio.Future:
        """A future resolved with (exit code, reason, message) when the job ends."""
        future = self.loop.create_future()
        entry = Tracked(slurm_id, job, future)
        self.tracked.setdefault(slurm_id, []).append(entry)
        entry.watch = self._watch(job)
        self.interval = MIN_INTERVAL
        if self.task is None or self.task.done():
            self.task = self.loop.create_task(self._run())
        return future

    def _watch(self, job):
        """File events on the job's markers wake the poller (a normal end costs no
        query)."""
        return MarkerEvents.of_loop(self.loop).watch(job, self.wake.set)

    def _resolve(self, entry: Tracked, result: Tuple[int, Optional[str], Optional[str]]):
        MarkerEvents.of_loop(self.loop).unwatch(entry.watch)
        if not entry.future.done():
            entry.future.set_result(result)

    # -- the loop ------------------------------------------------------------------

    async def _run(self):
        """Markers are checked at each wake-up (file events); Slurm is asked only when the
        interval has elapsed: normal ends never cost a query."""
        loop = self.loop
        next_poll = loop.time()
        backoff = None
        while self.tracked:
            self._check_markers()
            if not self.tracked:
                break
            if loop.time() >= next_poll:
                try:
                    suspects = await self._poll()
                    backoff = None
                    # Jobs gone from the queue without a marker are looked at again soon
                    next_poll = loop.time() + (MIN_INTERVAL if suspects else self.interval)
                    self.interval = min(self.interval * GROWTH, self.max_interval)
                except SlurmCommandError as exc:
                    backoff = min((backoff or self.max_interval) * 2, MAX_BACKOFF)
                    logger.warning("Slurm status query failed (%s); next try in %.0fs",
                                   exc, backoff)
                    next_poll = loop.time() + backoff
            self.wake.clear()
            try:
                await asyncio.wait_for(self.wake.wait(), max(0.0, next_poll - loop.time()))
            except asyncio.TimeoutError:
                pass

    def _check_markers(self):
        for sid in list(self.tracked):
            remaining = []
            for entry in self.tracked[sid]:
                state = entry.job.disk_state()
                if state.state == "done":
                    self._resolve(entry, (0, None, None))
                elif state.state == "failed":
                    self._resolve(entry, (1, state.reason, state.message))
                else:
                    remaining.append(entry)
            if remaining:
                self.tracked[sid] = remaining
            else:
                del self.tracked[sid]

    async def _poll(self) -> bool:
        """One squeue (and sacct for jobs gone from the queue); True if some jobs left the
        queue without a marker (they fail after GRACE_POLLS more looks)."""
        ids = list(self.tracked)
        bases = sorted({sid.split("_", 1)[0] for sid in ids})
        self.calls["squeue"] += 1
        out = await run_command(self.binpath, "squeue",
                                ["-h", "-r", "-o", "%i|%T", "-j", ",".join(bases)],
                                timeout=self.query_timeout)
        active = {}
        for line in out.splitlines():
            if "|" in line:
                sid, state = line.strip().split("|", 1)
                active[sid] = state
        self.queue_states = {sid: active.get(sid, "") for sid in ids}
        finished = [sid for sid in ids if active.get(sid, "") not in ACTIVE_STATES]
        # Jobs that ended normally since the last look have written their marker
        self._check_markers()
        finished = [sid for sid in finished if sid in self.tracked]
        if finished:
            states = await self._end_states(finished)
            for sid in finished:
                for entry in list(self.tracked.get(sid, [])):
                    state = states.get(sid) or entry.ended_state or "UNKNOWN"
                    entry.ended_state = state
                    entry.grace += 1
                    if entry.grace > GRACE_POLLS:
                        self.tracked[sid].remove(entry)
                        self._resolve(entry, _failure(state))
                if sid in self.tracked and not self.tracked[sid]:
                    del self.tracked[sid]
        return bool(finished)

    async def _end_states(self, ids: List[str]) -> Dict[str, str]:
        if self.sacct_available is False:
            return {}
        self.calls["sacct"] += 1
        try:
            out = await run_command(self.binpath, "sacct",
                                    ["-n", "-P", "-X", "-o", "JobID,State", "-j", ",".join(
                                        sorted({i.split("_", 1)[0] for i in ids}))],
                                    timeout=self.query_timeout)
        except SlurmCommandError as exc:
            if "accounting storage is disabled" in str(exc).lower():
                self.sacct_available = False
                return {}
            raise
        self.sacct_available = True
        states = {}
        for line in out.splitlines():
            if "|" not in line:
                continue
            sid, state = line.split("|", 1)
            state = state.split()[0] if state.split() else "UNKNOWN"
            for element in array_elements(sid.strip()):
                states[element] = state
        return states

    def stop(self):
        if self.task is not None:
            self.task.cancel()


def array_elements(sid: str) -> List[str]:
    """The job ids an sacct line stands for: ``123_[4-6,9%2]`` (array elements that never
    started, with a throttle) is ``123_4``, ``123_5``, ``123_6``, ``123_9``."""
    base, sep, rest = sid.partition("_[")
    if not sep or not rest.endswith("]"):
        return [sid]
    elements = []
    for part in rest[:-1].split("%", 1)[0].split(","):
        first, dash, last = part.partition("-")
        try:
            numbers = range(int(first), int(last if dash else first) + 1)
        except ValueError:
            return [sid]
        elements.extend(f"{base}_{n}" for n in numbers)
    return elements


def _failure(state: str) -> Tuple[int, str, str]:
    reason = REASONS.get(state, FailureReason.FAILED)
    if state in ("COMPLETED",):
        message = "Slurm reports the job completed, but it wrote no marker"
    elif state == "UNKNOWN":
        message = "the job left the Slurm queue without writing a marker"
    else:
        message = f"Slurm state {state} (no marker written by the job)"
    return 1, reason, message
