"""Shared helpers of the benchmark programs (standard library only)."""

import json
import sys
import time


def report(**values):
    """Print the results as one JSON line (read by run.py)."""
    print(json.dumps(values))
    sys.stdout.flush()


class Timer:
    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.start
        return False


def peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
