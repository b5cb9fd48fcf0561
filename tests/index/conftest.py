"""Fixtures of the index tests: a shared workspace of ended jobs, and a real PostgreSQL
server for the tests of the shared index: $XPM_TEST_POSTGRES_DSN
(.ci/run sets it from scripts/postgres.sh), else the server of scripts/postgres.sh,
started here when PostgreSQL is installed. Without one the tests are skipped, except in
CI (CI=true), where they fail. Each session works in a database of its own, dropped at
the end."""

import os
import subprocess
import uuid
from pathlib import Path

import pytest

from .helpers import build_workspace

try:
    import psycopg
    from psycopg.conninfo import make_conninfo
except ImportError:  # (the [postgres] extra, which scripts/test.sh installs)
    psycopg = None

ROOT = Path(__file__).resolve().parents[2]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgres_server() -> str:
    """The DSN of a PostgreSQL server where we may create databases."""
    if psycopg is None:
        _unavailable("psycopg is not installed: pip install -e '.[postgres]'")
    dsn = os.environ.get("XPM_TEST_POSTGRES_DSN")
    if dsn:
        return dsn
    result = subprocess.run(["bash", str(ROOT / "scripts" / "postgres.sh")],
                            capture_output=True, text=True, timeout=300)
    if result.returncode == 0 and result.stdout.strip():
        return result.stdout.strip().splitlines()[-1]
    _unavailable("no PostgreSQL server: XPM_TEST_POSTGRES_DSN is not set and"
                 f" scripts/postgres.sh failed (exit {result.returncode}):"
                 f" {result.stderr.strip()[-800:]}")


def _unavailable(why: str):
    if in_ci():
        pytest.fail(why)
    pytest.skip(why)


class Databases:
    """Databases made for the tests on the server, dropped at the end."""

    def __init__(self, server: str):
        self.server = server
        self.names = []

    def create(self) -> str:
        name = f"xpm_test_{uuid.uuid4().hex[:16]}"
        with psycopg.connect(self.server, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        self.names.append(name)
        return make_conninfo(self.server, dbname=name)

    def drop_all(self):
        with psycopg.connect(self.server, autocommit=True) as conn:
            for name in self.names:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_databases(postgres_server):
    databases = Databases(postgres_server)
    yield databases
    databases.drop_all()


@pytest.fixture(scope="session")
def postgres_dsn(postgres_databases) -> str:
    """A database for this test session (tests use workspaces of their own in it)."""
    return postgres_databases.create()


@pytest.fixture(scope="session")
def shared(tmp_path_factory):
    """A workspace of seven ended jobs (see helpers.build_workspace) that the tests only
    read: (workspace, jobs by name)."""
    ws = tmp_path_factory.mktemp("results") / "ws"
    return ws, build_workspace(ws)
