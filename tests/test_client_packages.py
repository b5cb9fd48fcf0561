"""The test suite of a real client package, datamaestro 1.16.1 (installed from the package
index in its own virtual environment by scripts/client-tests.sh), passes against this
experimaestro: its datasets are Prepare configurations, its settings JsonSettings, its
documentation plugin subclasses ours, and it submits tasks through the documented API."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_datamaestro_test_suite_passes():
    result = subprocess.run(["bash", str(ROOT / "scripts" / "client-tests.sh")],
                            capture_output=True, text=True, timeout=1800)
    tail = "\n".join(result.stdout.splitlines()[-30:] + result.stderr.splitlines()[-10:])
    assert result.returncode == 0, tail
    summary = re.search(r"(\d+) passed", result.stdout)
    assert summary and int(summary.group(1)) >= 300, tail
    assert " failed" not in result.stdout.splitlines()[-1], tail
