"""N trivial tasks through the Slurm launcher of the local cluster: time until all are
done, number of sbatch calls, number of status queries (squeue/sacct), counted by
wrapper commands placed in front of the real ones."""

import argparse
import shutil
import stat
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from experimaestro import experiment  # noqa: E402
from experimaestro.launchers.slurm import SlurmLauncher, SlurmOptions  # noqa: E402

from common import Timer, report  # noqa: E402
from tasks import Trivial  # noqa: E402

COMMANDS = ("sbatch", "squeue", "sacct", "scancel", "scontrol")


def wrappers(folder: Path, log: Path) -> str:
    real = Path(shutil.which("sbatch")).parent
    folder.mkdir(parents=True, exist_ok=True)
    for name in COMMANDS:
        script = folder / name
        script.write_text(f'#!/bin/bash\necho {name} >> {log}\nexec {real}/{name} "$@"\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(folder)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    workdir = Path(args.workdir)
    log = workdir.parent / "slurm-calls.log"
    binpath = wrappers(workdir.parent / "slurm-bin", log)
    launcher = SlurmLauncher(options=SlurmOptions(time="0:10:00"), binpath=binpath)
    with Timer() as t:
        with experiment(args.workdir, "bench-slurm", launcher=launcher):
            for i in range(args.n):
                Trivial.C(i=i).submit()
    calls = log.read_text().split() if log.exists() else []
    report(bench="slurm", n=args.n, seconds=t.elapsed, sbatch=calls.count("sbatch"),
           squeue=calls.count("squeue"), sacct=calls.count("sacct"))
