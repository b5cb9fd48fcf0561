"""Tasks of tests/compat/callbacks.py (a module of their own: the job processes import
it by name, under 2.7.0 and under ours)."""

from experimaestro import Config, Param, ResumableTask


class Checkpoint(Config):
    __xpmid__ = "compat.callbacks.checkpoint"
    step: Param[int]


class Validation(Config):
    __xpmid__ = "compat.callbacks.validation"

    def checkpoint(self, dep, step: int):
        return dep(Checkpoint.C(step=step))

    def compute(self, step: int):
        # (2.x records an output under the identifier of the configuration it is called
        # on: the one that owns the method)
        self.register_task_output(self.checkpoint, step=step)


class Train(ResumableTask):
    """Announces a checkpoint at each step (2.x lets only resumable tasks be watched)."""

    __xpmid__ = "compat.callbacks.train"
    steps: Param[int]
    validation: Param[Validation]

    def execute(self):
        for step in range(1, self.steps + 1):
            self.validation.compute(step)
