"""Slurm tests run against the real local cluster (../shared/slurm/start-slurm.sh)."""

import shutil
import stat
from pathlib import Path

import pytest

REAL_BIN = Path(shutil.which("sbatch") or "/usr/bin/sbatch").parent
COMMANDS = ("sbatch", "squeue", "sacct", "scancel", "scontrol")


def pytest_collection_modifyitems(config, items):
    if shutil.which("sbatch") is None:
        skip = pytest.mark.skip(reason="sbatch not found: no Slurm cluster on this machine")
        for item in items:
            if "slurm" in item.keywords:
                item.add_marker(skip)


def _write(path: Path, text: str):
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


@pytest.fixture
def slurm_bin(tmp_path):
    """A bin folder whose commands log each call, then run the real Slurm command.

    ``slurm_bin.calls(name)`` lists the call times; ``slurm_bin.replace(name, body)``
    replaces a command with a faulty one (fault injection, in addition to the real cluster).
    """
    folder = tmp_path / "slurm-bin"
    folder.mkdir()
    log = tmp_path / "slurm-calls.log"

    class Bin:
        path = str(folder)

        def replace(self, name: str, body: str):
            _write(folder / name, f"#!/bin/bash\necho \"{name} $(date +%s.%N)\" >> {log}\n"
                                  f"{body}\n")

        def calls(self, name: str):
            if not log.exists():
                return []
            return [float(line.split()[1]) for line in log.read_text().splitlines()
                    if line.split()[0] == name]

    b = Bin()
    for name in COMMANDS:
        b.replace(name, f'exec {REAL_BIN}/{name} "$@"')
    return b
