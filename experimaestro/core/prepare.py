"""``Prepare``: a configuration with a preparation step (download a dataset, fill a cache).

A task that holds a Prepare configuration (directly or inside the configurations it
holds) gets it prepared before it starts: by default ``prepare()`` runs once in the
experiment's process; ``cfg.submit(launcher=...)`` runs it as a job instead. Either way the
Prepare stays a plain parameter of the task, so identifiers do not depend on how it ran.
The runtime side lives in :mod:`experimaestro.scheduler.prepare`.
"""

from .config import Config

__all__ = ["Prepare"]


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
