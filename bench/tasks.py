"""Trivial tasks for the scheduler benchmarks (importable by job processes)."""

from experimaestro import Config, Param, Task, field


class Value(Config):
    __xpmid__ = "bench.tasks.value"
    x: Param[int]


class Trivial(Task):
    __xpmid__ = "bench.tasks.trivial"
    i: Param[int]

    def execute(self):
        pass


class Step(Task):
    """One step of a chain: depends on the previous step's output."""

    __xpmid__ = "bench.tasks.step"
    i: Param[int]
    previous: Param[Value] = field(default=None)

    def task_outputs(self, dep):
        return dep(Value.C(x=self.i))

    def execute(self):
        pass
