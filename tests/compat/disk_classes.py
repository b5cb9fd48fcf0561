"""Classes of the on-disk compatibility test (on_disk.py): imported under this module
name by experimaestro 2.7.0 and by ours, and by the job processes of both."""

from pathlib import Path

from experimaestro import (
    Config, DataPath, Meta, Param, PathGenerator, Task, field, param_group, partial,
)

iter_group = param_group("iter")


class Learn(Task):
    """Training whose checkpoints are shared by the runs that differ only in max_iter
    (2.x's documentation example of partial identifiers)."""

    checkpoints = partial(exclude_groups=[iter_group])

    max_iter: Param[int] = field(groups=[iter_group])
    learning_rate: Param[float]
    path: Meta[Path] = field(default_factory=PathGenerator("checkpoints", partial=checkpoints))

    def execute(self):
        self.path.mkdir(parents=True, exist_ok=True)
        found = sorted(p.name for p in self.path.iterdir())
        (self.path / f"ckpt-{self.max_iter}.txt").write_text(f"max_iter={self.max_iter}\n")
        print(f"checkpoints found: {found}")


class Weights(Config):
    """A model whose weights are saved under another name (an __xpm_serialize__ override,
    as xpm-torch's SimpleModuleLoader does)."""

    name: Param[str]
    path: DataPath
    vocabulary: DataPath

    def __xpm_serialize__(self, context):
        data = super().__xpm_serialize__(context)
        data["path"] = context.serialize(context.var_path + ["model_weights.bin"],
                                         Path(self.path), self)
        return data


class Holder(Config):
    weights: Param[Weights]
    others: Param[list[Weights]]
