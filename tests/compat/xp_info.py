"""Run folders read across implementations (tests/test_compat_xp_info.py):

    python xp_info.py write WORKDIR   # a run with two jobs (one holding the other's
                                      # output) and an action; prints the run folder
    python xp_info.py read RUN        # load_xp_info(RUN): its jobs and actions, as JSON
"""

import json
import sys
from pathlib import Path

from experimaestro import experiment, load_xp_info


def write(workdir: Path):
    # (imported here: when reading, the reader imports the classes itself — importing
    # them first makes 2.7.0's reader build a second copy of the module from its file)
    from xp_info_tasks import Evaluate, Export, Model, Train

    with experiment(workdir, "xpinfo", no_environmental_impact=True) as xp:
        model = Model.C(size=3)
        train = Train.C(model=model, epochs=2)
        Evaluate.C(trained=train.submit()).submit()
        xp.add_action(Export.C(model=model))
    print(xp.workdir)


def read(run: Path):
    info = load_xp_info(run)
    print(json.dumps({
        "jobs": {job_id: [str(type(cfg).__xpmtype__.identifier),
                          cfg.__identifier__().all.hex()]
                 for job_id, cfg in sorted(info.jobs.items())},
        "actions": {action_id: [cfg.describe(), cfg.__identifier__().all.hex()]
                    for action_id, cfg in sorted(info.actions.items())},
    }))


if __name__ == "__main__":
    {"write": write, "read": read}[sys.argv[1]](Path(sys.argv[2]))
