"""A rerun where every job is already done (the workspace is written directly: the job
folders at their identifiers, with a .done marker, as experimaestro 2.x leaves them)."""

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
    root = Path(args.workdir) / "jobs" / "bench.tasks.trivial"
    for i in range(args.n):
        folder = root / Trivial.C(i=i).__identifier__().all.hex()
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "trivial.done").touch()
    with Timer() as t:
        with experiment(args.workdir, "bench-rerun"):
            for i in range(args.n):
                Trivial.C(i=i).submit()
    ran = sum(1 for p in root.iterdir() if (p / "trivial.out").exists())
    report(bench="rerun", n=args.n, seconds=t.elapsed, rerun_jobs=ran, peak_rss_mb=peak_rss_mb())
