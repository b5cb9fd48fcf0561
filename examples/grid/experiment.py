"""A grid search from a YAML file: `grid.yaml` gives lists and ranges of values, run()
expands them with generate_grid and submits one Evaluate task per combination, tagged
with the values that tell it apart (see docs/experiment-files.md, "Grid search")."""

from pathlib import Path

from experimaestro import Param, Task
from experimaestro.experiments import ConfigurationBase, ExperimentHelper, configuration
from experimaestro.experiments.grid import GridSearch, generate_grid


class Evaluate(Task):
    """Scores one point of the grid (a stand-in for a training run).

    :param lr: the learning rate
    :param batch_size: the batch size
    :param depth: the depth of the model
    """

    lr: Param[float]
    batch_size: Param[int]
    depth: Param[int]

    def execute(self):
        Path("score.txt").write_text(f"{self.lr * self.batch_size * self.depth:g}")


@configuration()
class Model:
    #: the depth of the model: one value, a list or a range
    depth: GridSearch[int] = 2


@configuration()
class Settings(ConfigurationBase):
    #: the learning rate: one value, a list or a range
    lr: GridSearch[float] = 0.001
    #: the batch size: one value, a list or a range
    batch_size: GridSearch[int] = 32
    #: the model (a nested section)
    model: Model = Model()


def run(helper: ExperimentHelper, cfg: Settings):
    configurations, all_tags = generate_grid(cfg)
    print(f"{len(configurations)} configurations")
    for settings, tags in zip(configurations, all_tags):
        task = Evaluate.C(lr=settings.lr, batch_size=settings.batch_size,
                          depth=settings.model.depth)
        for name, value in tags.items():
            task.tag(name, value)
        task.submit()
