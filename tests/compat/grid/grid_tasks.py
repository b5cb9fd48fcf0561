"""The task of the grid search comparison (grid_outcomes.py): a module of its own, as
experimaestro 2.7.0 cannot submit tasks defined in the experiment file itself."""

from experimaestro import Param, Task


class Train(Task):
    """One training run of the grid: its parameters are the configuration's values."""

    lr: Param[float]
    batch_size: Param[int]
    depth: Param[int]
    activation: Param[str]
    dropout: Param[float]
    name: Param[str]
    seed: Param[int]

    def execute(self):
        pass  # never run: the comparison generates job folders only
