"""Real client packages, installed from the package index in their own virtual environment
by scripts/client-tests.sh, work with this experimaestro: datamaestro 1.16.1's test suite
passes (its datasets are Prepare configurations, its settings JsonSettings, its
documentation plugin subclasses ours, it submits tasks through the documented API), and
xpm-mlboard 0.3.1's TensorBoard service runs in an experiment (tests/clients/)."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_client_packages_work(compat_envs):
    result = subprocess.run(["bash", str(ROOT / "scripts" / "client-tests.sh")],
                            capture_output=True, text=True, timeout=1800)
    tail = "\n".join(result.stdout.splitlines()[-30:] + result.stderr.splitlines()[-10:])
    assert result.returncode == 0, tail
    summary = re.search(r"(\d+) passed", result.stdout)
    assert summary and int(summary.group(1)) >= 300, tail
    assert "xpm-mlboard smoke test: OK" in result.stdout, tail
    assert " failed" not in result.stdout.splitlines()[-1], tail
