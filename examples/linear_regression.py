"""A small real experiment: fit a linear model with several learning rates, evaluate each.

    python examples/linear_regression.py WORKDIR

Each (learning rate, epochs) pair is one Learn job; each learned model is evaluated by one
Evaluate job that depends on it, which records its test error with log_metric. The table
at the end comes from Results, which reads the workspace (its index). Run it twice: the
second run finds every job done.
"""

import json
import random
import sys
from pathlib import Path

from experimaestro import (Config, Meta, Param, Results, Task, experiment, field, log_metric,
                           tag, tqdm)


class Dataset(Config):
    """Points y = slope * x + intercept + noise, generated from a seed.

    :param seed: random seed
    :param size: number of points
    """

    __xpmid__ = "examples.linreg.dataset"
    seed: Param[int]
    size: Param[int] = field(default=200)

    def points(self):
        rng = random.Random(self.seed)
        xs = [rng.uniform(-1, 1) for _ in range(self.size)]
        return [(x, 3.0 * x + 0.5 + rng.gauss(0, 0.1)) for x in xs]


class Model(Config):
    """A learned linear model, stored in its job folder."""

    __xpmid__ = "examples.linreg.model"
    path: Meta[Path]

    def load(self):
        return json.loads(Path(self.path).read_text())


class Learn(Task):
    """Gradient descent on the mean squared error.

    :param data: training data
    :param lr: learning rate
    :param epochs: passes over the data
    """

    __xpmid__ = "examples.linreg.learn"
    data: Param[Dataset]
    lr: Param[float]
    epochs: Param[int] = field(default=50)

    def task_outputs(self, dep):
        return dep(Model.C(path=self.__xpm__.job.path / "model.json"))

    def execute(self):
        points = self.data.points()
        a = b = 0.0
        for _ in tqdm(range(self.epochs), desc="epochs"):
            ga = gb = 0.0
            for x, y in points:
                err = a * x + b - y
                ga += 2 * err * x / len(points)
                gb += 2 * err / len(points)
            a, b = a - self.lr * ga, b - self.lr * gb
        Path("model.json").write_text(json.dumps({"a": a, "b": b}))
        print(f"learned a={a:.3f} b={b:.3f}")


class Evaluate(Task):
    """Mean squared error of a model on test data."""

    __xpmid__ = "examples.linreg.evaluate"
    model: Param[Model]
    data: Param[Dataset]

    def execute(self):
        m = self.model.load()
        points = self.data.points()
        mse = sum((m["a"] * x + m["b"] - y) ** 2 for x, y in points) / len(points)
        log_metric("mse", mse)


def main(workdir: str):
    train, test = Dataset.C(seed=1), Dataset.C(seed=2, size=100)
    with experiment(workdir, "linear-regression") as xp:
        for lr in (0.01, 0.1, 0.5):
            for epochs in (10, 100):
                model = Learn.C(data=train, lr=tag(lr), epochs=tag(epochs)).submit()
                Evaluate.C(model=model, data=test).submit()
    # One row per evaluation of this experiment: its tags (inherited from the model it
    # evaluates) beside the metric it recorded
    results = Results(xp).filter(task=Evaluate, state="done")
    print(f"\n{'lr':>6} {'epochs':>7} {'test MSE':>10}")
    for row in sorted(results.to_records(), key=lambda r: (r["tag.lr"], r["tag.epochs"])):
        print(f"{row['tag.lr']:>6} {row['tag.epochs']:>7} {row['metric.mse']:>10.4f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
