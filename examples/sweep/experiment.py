"""A sweep from a YAML file: `sweep.yaml` combines a grid of depths with random draws
of the learning rate and the dropout; run() submits one Evaluate task per case, tagged
with the values that tell it apart and with the case's index (see
docs/concepts/sweeps.md). `run-experiment --cases 2:4 sweep.yaml` runs cases 2 and 3."""

from pathlib import Path

from experimaestro import Param, Task
from experimaestro.experiments import (
    ConfigurationBase,
    ExperimentHelper,
    Sweep,
    configuration,
    sweep_cases,
)


class Evaluate(Task):
    """Scores one case of the sweep (a stand-in for a training run).

    :param lr: the learning rate
    :param depth: the depth of the model
    :param dropout: the dropout rate
    """

    lr: Param[float]
    depth: Param[int]
    dropout: Param[float]

    def execute(self):
        Path("score.txt").write_text(repr(self.lr * self.depth * (1 - self.dropout)))


@configuration()
class Model:
    #: the depth of the model
    depth: int = 2
    #: the dropout rate
    dropout: float = 0.0


@configuration()
class Settings(ConfigurationBase):
    #: the learning rate
    lr: float = 0.001
    #: the model (a nested section)
    model: Model = Model()
    #: the cases to run: dotted field paths to values (null: one run, as written)
    sweep: Sweep = None


def run(helper: ExperimentHelper, cfg: Settings):
    for case, settings in sweep_cases(cfg):
        task = Evaluate.C(lr=settings.lr, depth=settings.model.depth,
                          dropout=settings.model.dropout)
        case.tag(task, index="case").submit()
        print(f"case {case.index}: {case.params}")
