"""Running the preparation of ``Prepare`` configurations held by tasks.

- In the experiment's process (default): before a job starts, the Prepare configurations
  it holds are prepared, each once per experiment (by identifier), in a worker thread.
  A failed preparation fails the job with the reason ``dependency``.
- As a job: ``prepare_cfg.submit(...)`` submits a :class:`PrepareTask` (transient by
  default: it runs only if a task that needs it has to run); tasks holding the Prepare
  then depend on that job.
- ``RunMode.PREPARE``: submitting a task prepares what it holds, at once, and runs nothing
  else.
"""

import logging
from typing import List

from experimaestro.core.prepare import Prepare, PrepareTask  # (params.json of earlier
# versions name this module for PrepareTask)
from experimaestro.core.walk import is_output, is_task, walk

logger = logging.getLogger("xpm.prepare")

__all__ = ["PrepareTask", "prepare_targets", "run_preparation", "submit_prepare"]


def prepare_targets(task) -> List:
    """The Prepare configurations a job must have prepared in-process: those held by the
    task (also inside other Prepares), not those inside other tasks (init tasks too, as
    in 2.x) or task outputs (their own job needed them), nor those submitted as jobs."""

    def skip(cfg):
        return cfg is not task and (is_task(cfg) or is_output(cfg))

    # (in the order of a stack walk, the order the preparations run in)
    return [cfg for cfg in walk(task, fields="set", reverse=True, skip=skip)
            if cfg is not task and isinstance(cfg, Prepare)
            and cfg.__xpm__.prepare_job is None]


def run_preparation(cfg) -> None:
    """Prepare `cfg` unless it says it is prepared (runs in the experiment's process)."""
    cls = type(cfg)
    if cls.implements_is_prepared() and cfg.is_prepared():
        logger.debug("%s is already prepared", cls.__xpm_user_class__.__qualname__)
        return
    logger.info("preparing %s", cls.__xpm_user_class__.__qualname__)
    cfg.prepare()


def submit_prepare(cfg, *, workspace=None, launcher=None, run_mode=None, init_tasks=None,
                   max_retries=None, transient=None):
    """``prepare_cfg.submit(...)``: run the preparation as a job; returns the Prepare
    configuration (to be given to the tasks that need it)."""
    from .workspace import TransientMode

    ucls = type(cfg).__xpm_user_class__
    if not ucls.implements_is_prepared():
        raise TypeError(
            f"{ucls.__qualname__}.submit(): a Prepare runs as a job only if its class"
            " overrides is_prepared() (the preparation writes outside of the job folder, so"
            " the job's .done marker cannot tell whether it is still there); override"
            " is_prepared(), or do not submit it: tasks holding it prepare it in the"
            " experiment's process"
        )
    if cfg.__xpm__.prepare_job is not None:
        return cfg
    task = PrepareTask.C(target=cfg)
    task.submit(workspace=workspace, launcher=launcher, run_mode=run_mode,
                init_tasks=init_tasks, max_retries=max_retries,
                transient=TransientMode.TRANSIENT if transient is None else transient)
    cfg.__xpm__.prepare_job = task.__xpm__.job
    return cfg
