import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def compat_envs():
    """The virtual environments of the compatibility tests, made (or brought up to date,
    with this tree's experimaestro) once per session: .venv-ref27 (experimaestro 2.7.0
    and the client packages) and .venv-clients (ours and the same packages)."""
    result = subprocess.run(["bash", str(ROOT / "scripts" / "client-envs.sh")],
                            capture_output=True, text=True, timeout=3000)
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    os.environ["XPM_COMPAT_ENVS_READY"] = "1"  # the scripts of the tests skip that step
    return ROOT
