"""Identifiers per second: build and hash 10,000 nested configs (median of 7 runs)."""

import statistics
import time

from experimaestro import Config, Param, Task

from common import report


class Model(Config):
    __xpmid__ = "bench.identifiers.model"
    layers: Param[list[float]]
    name: Param[str]


class Learn(Task):
    __xpmid__ = "bench.identifiers.learn"
    model: Param[Model]
    n: Param[int]
    lr: Param[float]

    def execute(self):
        pass


def run(count: int) -> float:
    start = time.perf_counter()
    for i in range(count):
        m = Model.C(layers=[0.1 * (i + k) for k in range(8)], name=f"m{i}")
        t = Learn.C(model=m, n=i, lr=0.1 * i)
        t.__identifier__().all.hex()
    return count / (time.perf_counter() - start)


if __name__ == "__main__":
    run(500)  # warm-up (class analysis)
    report(bench="identifiers", configs_per_s=statistics.median(run(10_000) for _ in range(7)))
