"""N trivial tasks end to end with the default (direct) launcher; driver peak memory."""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from experimaestro import experiment  # noqa: E402

from common import Timer, peak_rss_mb, report  # noqa: E402
from tasks import Trivial  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--workdir", required=True)
    args = parser.parse_args()
    with Timer() as t:
        with experiment(args.workdir, "bench-jobs"):
            for i in range(args.n):
                Trivial.C(i=i).submit()
    report(bench="jobs", n=args.n, seconds=t.elapsed, per_job_ms=1000 * t.elapsed / args.n,
           peak_rss_mb=peak_rss_mb())
