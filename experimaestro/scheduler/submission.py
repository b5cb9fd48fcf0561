"""``task.submit()``: seal the task, compute its job folder, hand it to the experiment."""

from pathlib import Path

from experimaestro.core.config import LightweightTask, Task
from experimaestro.core.generators import ConfigWalkContext, generate_paths
from experimaestro.core.identifier import identifier_of
from experimaestro.core.information import TaggedValue
from experimaestro.core.outputs import task_output
from experimaestro.core.partial import partial_identifier
from experimaestro.core.types import submit_hooks_of
from experimaestro.core.walk import is_task, walk

from experimaestro.tokens import CounterToken


class GenerationContext(ConfigWalkContext):
    """What a PathGenerator needs: the job folder (and the workspace for partials)."""

    def __init__(self, job):
        super().__init__()
        self.job = job
        #: the partial folders given to the job's paths (see _share_partial_folders)
        self.partial_folders = []

    @property
    def path(self) -> Path:
        return self.job.path

    @property
    def task(self):
        return self.job.config

    @property
    def name(self) -> str:
        return self.job.name

    def partial_path(self, spec, config) -> Path:
        # As 2.x: the type id and partial identifier of the configuration holding the path
        type_id = str(type(config).__xpm_user_class__.__xpmtype__.identifier)
        folder = (self.job.workspace.partialspath / type_id / spec.folder_name
                  / partial_identifier(config, spec))
        if folder not in self.partial_folders:
            self.partial_folders.append(folder)
        return folder


def submit_task(task, *, workspace=None, launcher=None, run_mode=None, init_tasks=None,
                max_retries=None, transient=None):
    from .experiment import experiment
    from .jobs import Job
    from .workspace import TransientMode

    if not isinstance(task, Task):
        from experimaestro.core.prepare import Prepare

        if isinstance(task, Prepare):
            from .prepare import submit_prepare

            return submit_prepare(task, workspace=workspace, launcher=launcher,
                                  run_mode=run_mode, init_tasks=init_tasks,
                                  max_retries=max_retries, transient=transient)
        raise TypeError(
            f"{type(task).__xpm_user_class__.__qualname__} is not a Task: only tasks can be"
            " submitted (configurations are passed as parameters of tasks)"
        )
    xp = experiment.current_or_none()
    if workspace is None:
        if xp is None:
            raise RuntimeError(
                "submit() needs an experiment: call it inside `with experiment(workdir,"
                " name):`, or pass workspace=..."
            )
        workspace = xp.workspace
    if run_mode is None:
        run_mode = xp.run_mode if xp is not None else workspace.run_mode
    xpm = task.__xpm__
    if xpm.job is not None:
        return xpm.job.output
    if init_tasks:
        init_tasks, stopped = _unwrap_init_tasks(init_tasks)
        if stopped:
            xpm.stop_tags_init = stopped
        for t in init_tasks:
            if not isinstance(t, LightweightTask) or isinstance(t, Task):
                raise TypeError(
                    f"init_tasks: {t!r} is not a LightweightTask (init tasks run in the"
                    " task's process before execute())"
                )
        xpm.init_tasks = list(init_tasks)
    xpm.seal()
    identifier_of(task)
    xpm.submitted = True
    if max_retries is None and workspace.workspace_settings is not None:
        max_retries = workspace.workspace_settings.max_retries  # of settings.yaml
    job = Job(
        task,
        workspace=workspace,
        launcher=launcher,
        run_mode=run_mode,
        max_retries=max_retries,
        transient=transient or TransientMode.NONE,
    )
    if xp is not None:
        existing = xp.find_job(job.identifier)
        if existing is not None:
            # The same task again: share the job, but give this config its paths too
            xpm.job = existing
            generate_paths(task, GenerationContext(existing))
            _hand_declared_callbacks(task, existing, xp)
            return existing.output
    # The launcher is resolved here, once: submit hooks see the one that runs the job
    job.launcher = _launcher_of(job)
    _notify_launcher(job)
    _run_submit_hooks(task, job, job.launcher)
    xpm.job = job
    context = GenerationContext(job)
    generate_paths(task, context)
    _share_partial_folders(task, context.partial_folders)
    job.output = task_output(task, xp.add_action if xp is not None else None)
    # Before add_job: a job found done there calls its on_completed callbacks at once
    _hand_declared_callbacks(task, job, xp)
    if xp is not None:
        xp.add_job(job)
    else:
        from .experiment import run_without_experiment

        run_without_experiment(job)
    return job.output


def _hand_declared_callbacks(task, job, xp):
    """``on_completed`` / ``watch_output`` called on the task before ``submit()``: now
    on its job. Outside an experiment the job does not run (only the modes that run
    nothing work there): the callbacks would never be called, and are dropped."""
    for method, args in task.__xpm__.take_declared_callbacks():
        if method == "on_completed":
            job.on_completed(*args)
        elif xp is not None:
            job.watch_output(*args, task)


def _share_partial_folders(task, folders):
    """Jobs sharing a partial folder (checkpoints of runs that differ in excluded
    parameters) run one at a time, as in 2.x: each needs the folder's token (capacity 1,
    kept in the folder's .xpm-token, shared by every experiment of the workspace)."""
    if folders:
        task.add_dependencies(*(CounterToken(folder / ".xpm-token", 1).dependency(1)
                                for folder in folders))


def _unwrap_init_tasks(init_tasks) -> tuple:
    """The init tasks without their stop_tags(...) wrappers, and the ids of those whose
    tags stay theirs."""
    tasks, stopped = [], set()
    for t in init_tasks:
        if isinstance(t, TaggedValue):
            if t.stop_tags:
                stopped.add(id(t.value))
            t = t.value
        tasks.append(t)
    return tasks, frozenset(stopped)


def _launcher_of(job):
    """The launcher that will run the job (what submit hooks are given): the one given
    to submit(), else the workspace's (the experiment's, or a DirectLauncher)."""
    return job.launcher if job.launcher is not None else job.workspace.launcher


def _notify_launcher(job):
    """The launcher's onSubmit (2.x: e.g. to add token dependencies to the job)."""
    try:
        job.launcher.onSubmit(job)
    except Exception as e:
        raise RuntimeError(
            f"{job.launcher!r}.onSubmit failed for {job.relpath}: {type(e).__name__}: {e}"
            " (nothing was written for this job)"
        ) from e


def _own_configs(task):
    """The task and the configurations it holds, each once (another task held as a
    parameter is yielded, but not what it holds: it has its own job). In the order of a
    stack walk: the order the hooks run in."""
    return walk(task, fields="set", reverse=True,
                stop=lambda cfg: cfg is not task and is_task(cfg))


def _run_submit_hooks(task, job, launcher):
    """Let the SubmitHooks of the task's classes (and of the configs it holds) process
    the job, each hook once."""
    hooks = []
    for cfg in _own_configs(task):
        if cfg is not task and cfg.__xpm__.xpmtype.task:
            continue
        for hook in submit_hooks_of(type(cfg)):
            if hook not in hooks:
                hooks.append(hook)
    for hook in hooks:
        try:
            hook.process(job, launcher)
        except Exception as e:
            raise RuntimeError(
                f"submit hook {hook!r} failed for {job.relpath}: {type(e).__name__}: {e}"
                " (nothing was written for this job)"
            ) from e
