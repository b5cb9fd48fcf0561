"""A chain of N dependent tasks (each waits for the previous one): time per step."""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from experimaestro import experiment  # noqa: E402

from common import Timer, report  # noqa: E402
from tasks import Step  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    with Timer() as t:
        with experiment(args.workdir, "bench-chain"):
            out = None
            for i in range(args.n):
                out = Step.C(i=i, previous=out).submit()
    report(bench="chain", n=args.n, seconds=t.elapsed, per_step_ms=1000 * t.elapsed / args.n)
