import logging

from experimaestro import Param, Task, tag, tags, tagspath
from experimaestro.experiments import ExperimentHelper, configuration
from experimaestro.experiments.configuration import ConfigurationBase
from experimaestro.launcherfinder import find_launcher

logging.basicConfig(level=logging.INFO)


class Learn(Task):
    __xpmid__ = "tutorial.learn"
    hidden_dim: Param[int]
    n_layers: Param[int]
    lr: Param[float]

    def execute(self):
        pass


@configuration
class Configuration(ConfigurationBase):
    n_layers: list[int] = [3]
    hidden_dim: list[int] = [64]
    epochs: int = 5
    lr: float = 1e-2
    launcher: str = """duration=3h & cuda(mem=4G)*1 & cpu(cores=2)"""


def run(helper: ExperimentHelper, cfg: Configuration):
    launcher = find_launcher(cfg.launcher, tags=["slurm"])
    logging.info("Will launch tasks using %s", type(launcher).__name__)
    runpath = helper.xp.resultspath / "runs"
    runpath.mkdir(exist_ok=True, parents=True)
    for n_layers in cfg.n_layers:
        for hidden_dim in cfg.hidden_dim:
            task = Learn.C(hidden_dim=tag(hidden_dim), n_layers=tag(n_layers), lr=cfg.lr)
            task.submit(launcher=launcher)
            (runpath / tagspath(task)).mkdir(parents=True)
    helper.xp.wait()
    print("OUTCOME", cfg.lr, type(cfg.lr).__name__, cfg.n_layers, cfg.hidden_dim,
          sorted(p.name for p in runpath.iterdir()),
          sorted(str(sorted(tags(t).items())) for t in [task]))
