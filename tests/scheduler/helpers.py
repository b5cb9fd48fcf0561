"""Helpers for the scheduler tests."""

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).parent.parent


def executions(jobpath: Path) -> int:
    f = Path(jobpath) / "executions.txt"
    return len(f.read_text().split()) if f.exists() else 0


def intervals(log: Path):
    out = []
    for line in Path(log).read_text().split("\n"):
        if line.strip():
            start, end, x = line.split()
            out.append((float(start), float(end), int(x)))
    return out


def max_overlap(spans) -> int:
    events = sorted([(s, 1) for s, _, _ in spans] + [(e, -1) for _, e, _ in spans],
                    key=lambda t: (t[0], t[1]))
    best = cur = 0
    for _, d in events:
        cur += d
        best = max(best, cur)
    return best


def driver(script: str, *args, **kwargs) -> subprocess.Popen:
    """Start a driver process running `script` (code) with tests/ on its path."""
    code = f"import sys; sys.path.insert(0, {str(TESTS)!r})\n" + script
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
