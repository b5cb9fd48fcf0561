"""Fixtures of the configuration core tests."""

import pytest

from experimaestro import RunMode, experiment


@pytest.fixture
def generate_xp(tmp_path):
    """An experiment that writes job folders (params.json) but runs nothing."""
    with experiment(tmp_path / "workspace", "x", run_mode=RunMode.GENERATE_ONLY) as xp:
        yield xp
