"""Run under experimaestro 2.7.0 and under ours (tests/test_compat_callbacks.py):
``watch_output`` and ``on_completed`` given to a task before ``submit()``; what the
callbacks received, in one JSON line. Run twice on a workspace: the second run finds the
job done."""

import json
import sys
from pathlib import Path

from callbacks_tasks import Train, Validation

from experimaestro import experiment


def main(ws: Path) -> dict:
    steps, completed = [], []
    with experiment(ws, "callbacks", no_environmental_impact=True):
        train = Train.C(steps=3, validation=Validation.C())
        train.watch_output(train.validation.checkpoint,
                           lambda checkpoint: steps.append(checkpoint.step))
        train.on_completed(lambda: completed.append("train"))
        train.submit()
    return {"outputs": sorted(steps), "completed": completed}


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]))))
