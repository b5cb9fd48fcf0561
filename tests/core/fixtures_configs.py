"""Configuration classes used by the core tests that must be importable by name
(serialization stores the module and qualified name of each class)."""

import enum
from pathlib import Path
from typing import Optional

from experimaestro import (
    Config,
    DataPath,
    InstanceConfig,
    LightweightTask,
    Meta,
    Param,
    PathGenerator,
    Task,
    field,
)


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Leaf(Config):
    x: Param[int]


class Shared(InstanceConfig):
    v: Param[int] = 100


class Root(Config):
    leaf: Param[Leaf]
    leaves: Param[list[Leaf]]
    by_name: Param[dict[str, Leaf]]
    color: Param[Color]
    numbers: Param[list[float]] = field(default_factory=list)
    members: Param[set[Leaf]] = field(default_factory=set)
    where: Param[Path] = field(default=Path("/tmp/somewhere"))
    label: Param[Optional[str]]
    shared1: Param[Optional[Shared]]
    shared2: Param[Optional[Shared]]


class Misc(Config):
    """Values that JSON does not represent directly"""

    with_default: Param[Optional[int]] = field(default=3)
    int_keys: Param[dict[int, str]] = field(default_factory=dict)
    enum_keys: Param[dict[Color, int]] = field(default_factory=dict)
    pair: Meta[tuple[int, int]] = (1, 2)
    number: Param[float] = 0.0
    text: Param[str] = ""
    next: Param[Optional["Misc"]]


class Data(Config):
    """A config whose DataPath file and folder are copied by save()"""

    data_file: DataPath
    data_folder: DataPath
    n: Param[int] = 1


class HasData(Config):
    data: Param[Data]


#: Values recorded by the init task when it runs
INIT_RUNS: list = []


class Init(LightweightTask):
    """An init task: records its value when executed"""

    value: Param[int]

    def execute(self):
        INIT_RUNS.append(self.value)


class Writer(Task):
    x: Param[int]
    out: Meta[Path] = field(default_factory=PathGenerator("out.txt"))

    def execute(self):
        self.out.write_text(str(self.x))


class Model(Config):
    size: Param[int]


class Trained(Config):
    """What Train produces"""

    model: Param[Model]
    path: Meta[Path]


class Train(Task):
    size: Param[int]

    def task_outputs(self, dep):
        return dep(Trained.C(model=Model.C(size=self.size), path=Path("/trained")))

    def execute(self):
        pass


class Evaluate(Task):
    trained: Param[Trained]
    writer: Param[Optional[Writer]]

    def execute(self):
        pass
