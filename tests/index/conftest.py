import pytest

from .helpers import build_workspace


@pytest.fixture(scope="session")
def shared(tmp_path_factory):
    """A workspace of seven ended jobs (see helpers.build_workspace) that the tests only
    read: (workspace, jobs by name)."""
    ws = tmp_path_factory.mktemp("results") / "ws"
    return ws, build_workspace(ws)
