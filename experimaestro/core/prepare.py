"""``Prepare``: a configuration with a preparation step (download a dataset, fill a cache).

A task that holds a Prepare configuration (directly or inside the configurations it
holds) gets it prepared before it starts: by default ``prepare()`` runs once in the
experiment's process; ``cfg.submit(launcher=...)`` runs it as a job instead. Either way the
Prepare stays a plain parameter of the task, so identifiers do not depend on how it ran.
The runtime side lives in :mod:`experimaestro.scheduler.prepare`.
"""

import logging

from .arguments import Param
from .config import Config, ResumableTask

__all__ = ["Prepare", "PrepareTask"]

logger = logging.getLogger("xpm.prepare")


class Prepare(Config):
    """A configuration whose ``prepare()`` must have run before a task using it starts."""

    # The type id 2.x gives (its module path)
    __xpm_base_id__ = "experimaestro.core.objects.config.prepare"

    def prepare(self, *args, **kwargs) -> None:
        """Do the preparation work (override it). It must be idempotent: it runs again in
        each experiment process unless ``is_prepared()`` says it is not needed."""

    def is_prepared(self) -> bool:
        """Whether the preparation already happened (override it: cheap, no side effects).

        The default answers False (unknown: prepare). Overriding it is what allows running
        the preparation as a job with ``submit()``: the preparation writes outside of the
        job folder, so the job's ``.done`` marker alone cannot be trusted.
        """
        return False

    @classmethod
    def implements_is_prepared(cls) -> bool:
        return getattr(cls, "is_prepared", None) is not Prepare.is_prepared


class PrepareTask(ResumableTask):
    """Runs ``target.prepare()`` as a job (resumable: a preparation stopped at its time
    limit starts again from what it had done). In core: its job process loads no
    scheduler."""

    __xpmid__ = "experimaestro.prepare"

    target: Param[Prepare]
    """The configuration to prepare"""

    def __xpm_output_valid__(self) -> bool:
        # The job's .done marker only caches what is_prepared() says
        return bool(self.target.is_prepared())

    def execute(self):
        # Checked again here: another experiment may have prepared it meanwhile
        if self.target.is_prepared():
            logger.info("%s is already prepared", type(self.target).__qualname__)
            return
        self.target.prepare()
