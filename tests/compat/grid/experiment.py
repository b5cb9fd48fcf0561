"""The experiment of the grid search comparison (grid_outcomes.py), run by
``run-experiment`` under experimaestro 2.7.0 and under ours: it expands the grid with
generate_grid, submits one Train task per configuration, and writes what it generated
(configurations, tags, task identifiers) to $GRID_OUT. Public API of 2.x only."""

import enum
import json
import os
from typing import Optional

import attrs
from grid_tasks import Train

from experimaestro.experiments import ConfigurationBase, ExperimentHelper, configuration
from experimaestro.experiments.grid import GridSearch, generate_grid


class Activation(str, enum.Enum):
    RELU = "relu"
    GELU = "gelu"


@configuration()
class Model:
    depth: GridSearch[int] = 2
    activation: Activation = Activation.RELU
    dropout: Optional[float] = None


@configuration()
class Settings(ConfigurationBase):
    lr: GridSearch[float] = 0.001
    batch_size: GridSearch[int] = 32
    model: Model = Model()
    name: str = "run"
    seed: int = 0


def plain(value):
    """JSON data of a configuration (1 and 1.0 stay apart, as JSON writes them)."""
    if attrs.has(type(value)):
        return {f.name: plain(getattr(value, f.name)) for f in attrs.fields(type(value))}
    if isinstance(value, enum.Enum):
        return {"enum": value.value}
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return {"object": repr(value)}


def run(helper: ExperimentHelper, cfg: Settings):
    configurations, tags = generate_grid(cfg)
    generated = []
    for c, t in zip(configurations, tags):
        task = Train.C(lr=c.lr, batch_size=c.batch_size, depth=c.model.depth,
                       activation=c.model.activation.value,
                       dropout=-1.0 if c.model.dropout is None else c.model.dropout,
                       name=c.name, seed=c.seed)
        generated.append({"configuration": plain(c), "tags": plain(t),
                          "identifier": task.__identifier__().all.hex()})
        task.submit()
    with open(os.environ["GRID_OUT"], "w") as f:
        json.dump(generated, f)
