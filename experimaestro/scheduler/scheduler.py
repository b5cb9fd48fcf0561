"""The scheduler: an asyncio loop in a background thread, so that submit() returns at once.

For each job: wait for its dependencies, check its markers (a done job never runs again),
take a launcher slot and its tokens (all or nothing), make sure no other process runs it
(job lock), launch it, and await its end (its own child) or, for a job started by another
driver, watch its marker files.
"""

import asyncio
import logging
import threading
import time
from typing import Dict, List, Optional

from experimaestro.core.config import ResumableTask
from experimaestro.core.walk import walk
from experimaestro.jobfolder import FailureReason
from experimaestro.launchers import LaunchError
from experimaestro.launchers.handles import handle_for
from experimaestro.tokens import TokenDependency, acquire_all, release_all

from .indexing import IndexUpdates
from .jobs import Job, JobState
from .workspace import RunMode, TransientMode

logger = logging.getLogger("xpm.scheduler")

DEFAULT_MAX_RETRIES = 3


class Scheduler:
    def __init__(self, xp):
        self.xp = xp
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self._thread_main, name="xpm-scheduler",
                                       daemon=True)
        self.jobs: List[Job] = []
        self._unfinished = 0
        self._cv = threading.Condition()
        #: one pool of slots per launcher object (keyed by id: launchers need not hash)
        self._slots: Dict[int, asyncio.Semaphore] = {}
        self._tasks: set = set()
        self._incoming: List[Job] = []
        #: in-process preparations of Prepare configs, by identifier (see prepare.py)
        self._preparations: Dict[str, asyncio.Future] = {}
        self._submissions_over = None
        self._wakeup_pending = False
        from .display import StatusDisplay

        self.display = StatusDisplay(self)
        self.index_updates = IndexUpdates(xp.workspace.path)

    @property
    def default_launcher(self):
        """The launcher of jobs submitted without one: the workspace's (which
        ``set_launcher`` changes)."""
        return self.xp.workspace.launcher

    # -- thread ------------------------------------------------------------------

    def _thread_main(self):
        asyncio.set_event_loop(self.loop)
        self._submissions_over = asyncio.Event()
        self.loop.run_forever()

    def end_of_submissions(self):
        """No more jobs will come (the with block ended): unneeded transient jobs end."""
        def mark():
            with self._cv:
                pending = bool(self._incoming)
            if pending:  # let queued submissions start first
                self.loop.call_soon(mark)
            else:
                self._submissions_over.set()
        self.loop.call_soon_threadsafe(mark)

    def reopen_submissions(self):
        self.loop.call_soon_threadsafe(self._submissions_over.clear)

    def start(self):
        self.thread.start()
        self.display.start()
        self.index_updates.start()

    def stop(self):
        self.display.stop()
        self.index_updates.stop()
        if self.loop.is_running():
            launchers = {id(j.launcher): j.launcher for j in self.jobs if j.launcher}
            launchers[id(self.default_launcher)] = self.default_launcher
            for launcher in launchers.values():
                future = asyncio.run_coroutine_threadsafe(launcher.close(), self.loop)
                try:
                    future.result(10)
                except Exception:  # noqa: BLE001 - stopping must go on
                    logger.exception("closing %r failed", launcher)
            asyncio.run_coroutine_threadsafe(_cancel_others(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)
            self.thread.join(timeout=10)

    # -- submission (driver thread) ----------------------------------------------

    def submit(self, job: Job):
        job.scheduler = self
        job.submitted_at = time.time()
        with self._cv:
            self._unfinished += 1
            self.jobs.append(job)
            self._incoming.append(job)
            wake = not self._wakeup_pending
            self._wakeup_pending = True
        # One wake-up of the loop for a burst of submissions
        if wake:
            self.loop.call_soon_threadsafe(self._drain)

    def add_finished(self, job: Job):
        """A job found done on disk at submission: shown, never scheduled."""
        job.scheduler = self
        job.set_finished(JobState.DONE)
        with self._cv:
            self.jobs.append(job)

    def _drain(self):
        with self._cv:
            jobs, self._incoming = self._incoming, []
            self._wakeup_pending = False
        for job in jobs:
            self._start(job)

    def wait_all(self, timeout: Optional[float] = None) -> bool:
        """Block until every submitted job has ended (at most `timeout` seconds); returns
        whether they all have."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cv:
            while self._unfinished:
                wait = 0.5
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                    if wait <= 0:
                        return False
                self._cv.wait(wait)
        return True

    def cancel_pending(self):
        """Stop scheduling: jobs not started yet end as cancelled; running ones go on."""
        def cancel():
            for job in self.jobs:
                if job.state in (JobState.UNSCHEDULED, JobState.WAITING, JobState.READY):
                    message = "the experiment stopped before the job started"
                    _record_not_run(job, FailureReason.CANCELLED, message)
                    self._finish(job, JobState.ERROR, FailureReason.CANCELLED.value, message)
        if self.loop.is_running():
            asyncio.run_coroutine_threadsafe(_call(cancel), self.loop).result(10)

    def failures(self) -> List[str]:
        out = []
        for job in self.jobs:
            if job.state is JobState.ERROR:
                msg = f"{job.relpath} [{job.failure_reason}]"
                if job.failure_message:
                    msg += f" {job.failure_message}"
                if job.failure_reason != "dependency":
                    msg += f" (log: {job.stderr})"
                out.append(msg)
        return out

    # -- loop side ---------------------------------------------------------------

    def _start(self, job: Job):
        run = job.run
        restart = run.future is not None
        run.future = self.loop.create_future()
        if job.transient is not TransientMode.NONE and not restart:
            run.needed = asyncio.Event()
        if not restart:
            job.dependencies = self._dependencies(job)
            for dep in job.dependencies:
                dep.dependents.append(job)
        task = self.loop.create_task(self._run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _dependencies(self, job: Job) -> List[Job]:
        """Jobs of the submitted tasks found in the parameters (not inside other tasks)."""
        root = job.config

        def producer_job(cfg):
            # (a dynamic output exists once announced: no need to wait for its task)
            xpm = cfg.__xpm__
            if cfg is root or xpm.dynamic_output:
                return None
            producer = xpm.task if xpm.task is not None else (cfg if xpm.job else None)
            return None if producer is None else producer.__xpm__.job

        found: Dict[int, Job] = {}
        for cfg in walk([root, *(root.__xpm__.init_tasks or [])], fields="set",
                        reverse=True, dependencies=True,
                        stop=lambda cfg: producer_job(cfg) is not None):
            dep = producer_job(cfg)
            if dep is not None:
                found[id(dep)] = dep
                continue
            xpm = cfg.__xpm__
            if xpm.prepare_job is not None and xpm.prepare_job is not job:
                found[id(xpm.prepare_job)] = xpm.prepare_job  # a Prepare run as a job
            for extra in xpm.dependencies or ():
                if isinstance(extra, Job):
                    found[id(extra)] = extra
        return list(found.values())

    async def _run(self, job: Job):
        try:
            state, reason, message = await self._process(job)
        except Exception as exc:  # noqa: BLE001 - a scheduler bug must not hang the experiment
            logger.exception("scheduler error for %s", job.relpath)
            state, reason, message = JobState.ERROR, "failed", f"scheduler error: {exc}"
        self._finish(job, state, reason, message)

    def _finish(self, job: Job, state: JobState, reason=None, message=None):
        if job.state.finished:
            return
        job.set_finished(state, reason, message)
        if state is JobState.DONE:
            self._remove_transient_dependencies(job)
        future = job.run.future
        if future is not None and not future.done():
            future.set_result(state)
        self.display.job_changed(job)
        self.index_updates.changed(job)
        with self._cv:
            self._unfinished -= 1
            self._cv.notify_all()

    async def _dependency_state(self, dep: Job) -> JobState:
        run = dep.run
        if run.future is not None and run.future.done() and run.state is JobState.SKIPPED:
            # A transient job skipped earlier (xp.wait()) is needed now: run it
            run.state = JobState.UNSCHEDULED
            run.ended.clear()
            with self._cv:
                self._unfinished += 1
            self._start(dep)
            run.needed.set()
        future = run.future
        if future is not None:
            needed = run.needed
            if needed is not None:
                needed.set()  # a transient job runs because this one needs it
            return await future
        if dep.state.finished:
            return dep.state
        return JobState.DONE if dep.disk_state().state == "done" else JobState.ERROR

    async def _process(self, job: Job):
        job.run.state = JobState.WAITING
        needed = job.run.needed
        if needed is not None:
            # Transient: run only if a job that is not done needs it
            waiter = self.loop.create_task(needed.wait())
            ended = self.loop.create_task(self._submissions_over.wait())
            await asyncio.wait([waiter, ended], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            ended.cancel()
            if not needed.is_set():
                return JobState.SKIPPED, None, "transient job not needed"
        for dep in job.dependencies:
            if await self._dependency_state(dep) is not JobState.DONE:
                message = f"dependency {dep.relpath} failed"
                _record_not_run(job, FailureReason.DEPENDENCY, message)
                return JobState.ERROR, FailureReason.DEPENDENCY.value, message
        disk = job.disk_state()
        if disk.state == "done":
            job.run.attached = True  # done by another process meanwhile
            return JobState.DONE, None, None
        if _run_by_another(disk):
            return await self._follow(job, disk.pid)
        failure = await self._prepare_inputs(job)
        if failure is not None:
            _record_not_run(job, FailureReason.DEPENDENCY, failure)
            return JobState.ERROR, FailureReason.DEPENDENCY.value, failure
        return await self._process_fresh(job)

    async def _prepare_inputs(self, job: Job) -> Optional[str]:
        """Prepare (in this process, each once) the Prepare configs the job holds; the
        message of the first failure, or None."""
        from experimaestro.core.identifier import identifier_of

        from .prepare import prepare_targets, run_preparation

        for cfg in prepare_targets(job.config):
            key = identifier_of(cfg).hex()
            running = self._preparations.get(key)
            if running is None:
                running = self.loop.run_in_executor(None, run_preparation, cfg)
                self._preparations[key] = running
            try:
                await asyncio.shield(running)
            except Exception as exc:  # noqa: BLE001 - reported as the job's failure
                name = type(cfg).__xpm_user_class__.__qualname__
                return f"preparation of {name} failed: {type(exc).__name__}: {exc}"
        return None

    async def _process_fresh(self, job: Job):
        """Launch the job (again after a time-out of a ResumableTask)."""
        while True:
            job.run.state = JobState.READY
            self.display.job_changed(job)
            result = await self._launch_once(job)
            if result is None:
                return await self._follow(job, job.disk_state().pid)
            if not await self._retry_after_timeout(job, result):
                return result

    async def _retry_after_timeout(self, job: Job, result) -> bool:
        """A ResumableTask that reached its time limit runs again (at most max_retries
        times): True when it should."""
        state, reason, _ = result
        max_retries = job.max_retries if job.max_retries is not None else DEFAULT_MAX_RETRIES
        if state is not JobState.ERROR or reason != FailureReason.TIMEOUT.value \
                or not isinstance(job.config, ResumableTask) or job.run.retries >= max_retries:
            return False
        job.run.retries += 1
        logger.info("%s timed out: retry %d/%d", job.relpath, job.run.retries, max_retries)
        await self._lock_released(job)  # the stopped process may still be exiting
        job.folder.clear_failure()
        return True

    def _remove_transient_dependencies(self, job: Job):
        """TransientMode.REMOVE: delete a job folder once all its dependents are done."""
        import shutil

        for dep in job.dependencies:
            if dep.transient is TransientMode.REMOVE and dep.state is JobState.DONE and all(
                    d.state is JobState.DONE for d in dep.dependents):
                logger.info("removing the transient job folder %s", dep.path)
                shutil.rmtree(dep.path, ignore_errors=True)

    async def _launch_once(self, job: Job):
        """One attempt; None when another process runs the job."""
        launcher = job.launcher
        tokens = [d for d in (job.config.__xpm__.dependencies or ())
                  if isinstance(d, TokenDependency)]
        slot = self._slot(launcher)
        delay = 0.05
        while True:
            await slot.acquire()
            # Tokens are taken without waiting while holding the slot: a job waiting for a
            # token must not keep the slot from jobs that need none
            if acquire_all(tokens, job.relpath):
                break
            slot.release()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
        try:
            # We hold the job lock while preparing and starting the job: nobody else can
            # run it or rotate its logs meanwhile; the job process waits for our release
            lock = job.folder.try_lock()
            if lock is None:
                return None
            try:
                # Decide again under the lock: another process may have started or run the
                # job since we looked (we must neither start it twice nor rotate its logs)
                disk = job.disk_state()
                if disk.state == "done":
                    job.run.attached = True  # done by another process meanwhile
                    return JobState.DONE, None, None
                if _run_by_another(disk):
                    return None
                job.folder.clear_failure()
                job.rotate_logs()  # keep the logs of an earlier attempt
                if not isinstance(job.config, ResumableTask):
                    # (a resumed task goes on with its series; a new attempt starts anew)
                    job.folder.rotate_metrics()
                job.folder.progress.unlink(missing_ok=True)
                job.run.state = JobState.RUNNING
                job.run.started_at = time.time()
                self.display.job_changed(job)
                try:
                    process = await launcher.launch(job)
                except LaunchError as exc:
                    message = str(exc)
                    job.folder.write_failure(FailureReason.FAILED, message)
                    return JobState.ERROR, FailureReason.FAILED.value, message
                job.run.process = process
                job.folder.write_pid(process.pid_record())
                self.index_updates.changed(job)
            finally:
                lock.release()
            code = await process.wait()
        finally:
            release_all(tokens)
            slot.release()
        return _result_from_disk(job, code, process)

    async def _lock_released(self, job: Job, timeout: float = 120.0):
        delay, waited = 0.05, 0.0
        while not job.folder.lock_free() and waited < timeout:
            await asyncio.sleep(delay)
            waited += delay
            delay = min(delay * 2, 2.0)

    def _slot(self, launcher):
        sem = self._slots.get(id(launcher))
        if sem is None:
            limit = launcher.max_concurrent()
            sem = _NoLimit() if limit is None else asyncio.Semaphore(limit)
            self._slots[id(launcher)] = sem
        return sem

    async def _follow(self, job: Job, record):
        """Follow a job that another process runs (an earlier driver, another experiment):
        its ``.pid`` record says how (see launchers/handles.py)."""
        run = job.run
        run.attached = True
        run.state = JobState.RUNNING
        self.display.job_changed(job)
        # A local process uses this machine like the jobs we start: it holds a slot of
        # the job's launcher while it runs (after a restart, re-attached jobs and new ones
        # together stay within the cap)
        handle = handle_for(record)
        slot = None
        if handle is not None and handle.local and handle.alive():
            slot = self._slot(job.launcher)
            await slot.acquire()
        try:
            process = await job.launcher.reattach(job, record)
            run.process = process
            code = await process.wait()
        finally:
            if slot is not None:
                slot.release()
        result = _result_from_disk(job, code, process)
        if await self._retry_after_timeout(job, result):
            run.attached = False
            return await self._process_fresh(job)
        return result

    def kill(self, job: Job):
        process = job.run.process
        if process is not None:
            process.kill()


class _NoLimit:
    """A slot pool without limit."""

    async def acquire(self):
        return True

    def release(self):
        pass


async def _call(fn):
    fn()


async def _cancel_others():
    """Cancel what still waits in the loop (e.g. an idle status poller) before stopping."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def _record_not_run(job: Job, reason: FailureReason, message: str):
    """A job that will not run (a dependency failed, the experiment stopped before it
    started): its folder says so, for every reader (jobs list, log, clean), unless another
    process runs or ran it. The next run of the experiment runs it as any failed job."""

    if job.run_mode is not RunMode.NORMAL or not job.path.is_dir():
        return
    lock = job.folder.try_lock()
    if lock is None:
        return  # another process has the job
    with lock:
        if job.disk_state().state not in ("done", "running"):
            job.folder.write_failure(reason, message, code=None)


def _run_by_another(disk) -> bool:
    """Whether the markers say that a process runs the job (a live local process, or a
    cluster job: its queue decides)."""
    if disk.state != "running":
        return False
    handle = handle_for(disk.pid)
    return handle is not None and handle.alive()


def _result_from_disk(job: Job, code: int, process=None):
    disk = job.disk_state()
    if disk.state == "done":
        return JobState.DONE, None, None
    if disk.state == "failed":
        return JobState.ERROR, disk.reason, disk.message
    # The process died without writing a marker (killed, crashed interpreter, or the
    # cluster ended it): the launcher may know why
    if process is not None and process.end_reason is not None:
        reason, message = process.end_reason, process.end_message
    else:
        reason = FailureReason.KILLED if code < 0 else FailureReason.FAILED
        message = (f"killed by signal {-code}" if code < 0
                   else f"exited with code {code} without a marker")
    job.folder.write_failure(reason, message, code)
    job.folder.clear_pid()
    return JobState.ERROR, str(reason), message
