"""A small experiment run from a YAML file:

    experimaestro run-experiment --workdir WORKDIR examples/yaml/experiment.yaml

The tasks are defined here, so the jobs import this file (its folder is on their Python path).
"""

import time
from pathlib import Path
from typing import List, Optional

from experimaestro import Meta, Param, Task, field, tag
from experimaestro.experiments import ConfigurationBase, ExperimentHelper, configuration


class Power(Task):
    """Computes x ** exponent into result.txt.

    :param x: the number
    :param exponent: the power
    :param fail: raise an error instead (to see a failure)
    :param wait_for: wait until this file exists before ending
    """

    x: Param[int]
    exponent: Param[int] = field(default=2)
    fail: Meta[bool] = field(default=False)
    wait_for: Meta[Optional[Path]] = field(default=None)

    def execute(self):
        if self.fail:
            raise RuntimeError(f"failure requested for x={self.x}")
        if self.wait_for is not None:
            while not Path(self.wait_for).exists():
                time.sleep(0.05)
        Path("result.txt").write_text(str(self.x**self.exponent))
        print(f"{self.x} ** {self.exponent} = {self.x**self.exponent}")


@configuration()
class PowerSettings:
    #: the exponent of every Power task
    exponent: int = 2


@configuration()
class Configuration(ConfigurationBase):
    #: the numbers to raise to the power
    values: List[int] = [1, 2, 3]
    #: settings of the Power tasks
    power: PowerSettings = PowerSettings()
    #: make the task of this value fail
    fail_on: Optional[int] = None
    #: the tasks wait for this file before ending
    wait_for: Optional[str] = None


def run(helper: ExperimentHelper, cfg: Configuration):
    for x in cfg.values:
        Power.C(
            x=tag(x),
            exponent=tag(cfg.power.exponent),
            fail=(x == cfg.fail_on),
            wait_for=cfg.wait_for,
        ).submit()
