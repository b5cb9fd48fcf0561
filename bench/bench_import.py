"""Wall time of `python -c "import experimaestro"` (median of 7), and of `python -c pass`."""

import statistics
import subprocess
import sys
import time

from common import report


def median_run(code: str, n: int = 7) -> float:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    median_run("import experimaestro", 2)  # warm the file cache
    report(bench="import", import_ms=1000 * median_run("import experimaestro"),
           pass_ms=1000 * median_run("pass"))
