"""The configurations of xp_info.py, in a module of their own (job processes and both
readers import the same classes)."""

from experimaestro import Action, Config, Param, Task


class Model(Config):
    __xpmid__ = "compat.xpinfo.model"
    size: Param[int]


class Train(Task):
    __xpmid__ = "compat.xpinfo.train"
    model: Param[Model]
    epochs: Param[int]

    def execute(self):
        pass


class Evaluate(Task):
    __xpmid__ = "compat.xpinfo.evaluate"
    trained: Param[Train]

    def execute(self):
        pass


class Export(Action):
    __xpmid__ = "compat.xpinfo.export"
    model: Param[Model]

    def describe(self) -> str:
        return "export the model"
