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


# --- Task types of the workspace benchmarks (make_workspace.py, bench_results.py):
# realistic parameters, a shared nested configuration, tags. make_workspace.py writes their
# job folders directly, following the params.json these classes get from our core
# (`python bench/make_workspace.py --check` compares them).


class Model(Config):
    __xpmid__ = "bench.tasks.model"
    name: Param[str]
    hidden: Param[int] = field(default=256)
    dropout: Param[float] = field(default=0.1)


class Train(Task):
    __xpmid__ = "bench.tasks.train"
    model: Param[Model]
    lr: Param[float]
    seed: Param[int]
    epochs: Param[int] = field(default=10)
    dataset: Param[str] = field(default="msmarco")

    def execute(self):
        pass


class Evaluate(Task):
    __xpmid__ = "bench.tasks.evaluate"
    model: Param[Model]
    dataset: Param[str]
    seed: Param[int]

    def execute(self):
        pass


class Preprocess(Task):
    __xpmid__ = "bench.tasks.preprocess"
    dataset: Param[str]
    seed: Param[int]

    def execute(self):
        pass
