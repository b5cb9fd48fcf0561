"""The workspace index in PostgreSQL (index/postgres.py), against a real server (see
conftest.py): the same answers as the SQLite file on a workspace of real jobs,
workspaces sharing a database, rebuilding, concurrent writers, the `experimaestro
workspace index` command, and a server that is down."""

import json
import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

try:
    import psycopg
except ImportError:  # (the [postgres] extra, which scripts/test.sh installs)
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        raise
    pytest.skip("psycopg is not installed: pip install -e '.[postgres]'",
                allow_module_level=True)

from click.testing import CliRunner

from experimaestro import FailedExperiment, experiment, tag
from experimaestro.cli import cli
from experimaestro.index.config import CONFIG_FILE, read_config, write_config
from experimaestro.index.errors import IndexUnavailable
from experimaestro.index.jobindex import JobIndex
from experimaestro.index.postgres import SCHEMA, PostgresStore
from experimaestro.index.store import ALL_TABLES, INDEX_FILE, SCHEMA_VERSION, SQLiteStore
from xpm_fixtures.tasks import Add, Fail, Metrics

from cli.helpers import xpm

pytestmark = pytest.mark.postgres

HERE = Path(__file__).parent


def make_workspace(path: Path, n: int = 3) -> Path:
    """A workspace of real jobs: done ones with metrics and tags, a failed one, in two
    experiments."""
    with experiment(path, "train"):
        for epochs in range(1, n + 1):
            Metrics.C(epochs=tag(epochs)).submit()
    with pytest.raises(FailedExperiment):
        with experiment(path, "other"):
            Add.C(x=tag(7)).submit()
            Metrics.C(epochs=1).submit()  # (the job of "train": tags are not parameters)
            Fail.C(x=1).submit()
    return path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A workspace of real jobs, shared by the tests that only read it."""
    return make_workspace(tmp_path_factory.mktemp("pg") / "ws")


def answers(index: JobIndex) -> dict:
    """What a reader gets of each job (but mtime_ns, a detail of the index's)."""
    rows = index.rows()
    index.load_details(rows.values())
    return {key: (row.values()[:2] + row.values()[3:], row.params, row.metrics, row.tags,
                  sorted(row.experiments)) for key, row in rows.items()}


def folder_answers(workspace: Path) -> dict:
    """The answers read from the folders alone (an index in memory, new)."""
    index = JobIndex(workspace, SQLiteStore(None))
    try:
        return answers(index)
    finally:
        index.close()


def age_folders(workspace: Path, seconds: float = 60):
    """Date the folders of the workspace back, as in a workspace used for a while (the
    index trusts only folders that did not change for a few seconds)."""
    past = time.time() - seconds
    for path in [*workspace.glob("jobs/*"), *workspace.glob("jobs/*/*"),
                 *workspace.glob("experiments/*/*/jobs/*")]:
        os.utime(path, (past, past), follow_symlinks=False)


def pg_index(workspace: Path, dsn: str, workspace_id: str = None) -> JobIndex:
    return JobIndex(workspace, PostgresStore(dsn, workspace_id or str(uuid.uuid4())))


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def down_dsn() -> str:
    return f"host=127.0.0.1 port={closed_port()} user=someone password=s3cret dbname=xpm"


# -- the answers -------------------------------------------------------------------------


def test_the_same_answers_as_sqlite(workspace, postgres_dsn, tmp_path):
    expected = folder_answers(workspace)
    states = sorted(values[2] for values, *_ in expected.values())
    assert states == ["done"] * 4 + ["failed"]
    sqlite = JobIndex(workspace, SQLiteStore(tmp_path / "index.sqlite"))
    index = pg_index(workspace, postgres_dsn)
    for _ in range(2):  # built, then read from the index
        assert answers(index) == answers(sqlite) == expected
    metrics = [a[2] for a in expected.values() if a[2].get("accuracy")]
    assert {m["loss"] for m in metrics} == {1.0, 0.5, 1 / 3}
    assert index.refs() == sqlite.refs()
    assert index.run_jobs("other", index.refs()[-1][1]) == \
        sqlite.run_jobs("other", index.refs()[-1][1])
    index.close(), sqlite.close()


def test_workspaces_sharing_a_database_do_not_see_each_other(workspace, postgres_dsn,
                                                              tmp_path):
    other = tmp_path / "ws2"
    with experiment(other, "small"):
        Add.C(x=1).submit()
    first, second = pg_index(workspace, postgres_dsn), pg_index(other, postgres_dsn)
    assert answers(first) == folder_answers(workspace)
    assert answers(second) == folder_answers(other)
    assert len(second.rows()) == 1 and not set(second.rows()) & set(first.rows())
    assert {xp for xp, *_ in second.refs()} == {"small"}
    second.rebuild()  # (clears its own rows only)
    assert answers(first) == folder_answers(workspace)
    assert len(first.store.jobs()) == 5
    first.close(), second.close()


def test_emptied_tables_are_filled_again(workspace, postgres_dsn):
    index = pg_index(workspace, postgres_dsn)
    expected = answers(index)
    with psycopg.connect(postgres_dsn, autocommit=True) as conn:
        for table in ("jobs", "details", "folders", "runs", "refs"):
            conn.execute(f"DELETE FROM {SCHEMA}.{table}")
    assert answers(index) == expected  # (read again from the folders)
    assert index.rebuild() == len(expected)
    assert answers(index) == expected
    index.close()


def test_tables_of_another_version(workspace, postgres_databases):
    dsn = postgres_databases.create()
    index = pg_index(workspace, dsn)
    expected = answers(index)
    index.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"UPDATE {SCHEMA}.meta SET value = '0'")
    # An older version: replaced (every workspace of the database is read again)
    index = pg_index(workspace, dsn)
    assert answers(index) == expected
    assert index.store.query("SELECT value FROM meta") == [(SCHEMA_VERSION,)]
    index.close()
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"UPDATE {SCHEMA}.meta SET value = '999'")
    # A newer version: kept, and a clear refusal
    with pytest.raises(IndexUnavailable, match="newer experimaestro.*999"):
        pg_index(workspace, dsn).rows()
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute(f"SELECT value FROM {SCHEMA}.meta").fetchall() == [("999",)]
        tables = {name for name, in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (SCHEMA,))}
    assert tables == set(ALL_TABLES)


def test_concurrent_writers(postgres_databases, tmp_path):
    """Processes rebuilding, updating and reading the index of one workspace at once,
    from a new database (they also create the tables at once): no error, no warning, and
    the index ends complete."""
    dsn = postgres_databases.create()
    workspace = make_workspace(tmp_path / "ws", n=6)
    age_folders(workspace)
    workspace_id = str(uuid.uuid4())
    writers = [subprocess.Popen([sys.executable, str(HERE / "pg_writer.py"), dsn,
                                 workspace_id, str(workspace), "30"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(4)]
    outputs = [writer.communicate(timeout=300) for writer in writers]
    for writer, (out, err) in zip(writers, outputs):
        assert writer.returncode == 0, err
        assert out.strip() == "8" and "not updated" not in err, err
    expected = folder_answers(workspace)
    index = pg_index(workspace, dsn, workspace_id)
    assert len(index.store.jobs()) == 8  # (complete before this reading)
    assert answers(index) == expected
    index.close()


class ClearedMeanwhile(PostgresStore):
    """A store whose first write comes just after another reader cleared the index for
    a rebuild (the other is between its clear and its reading)."""

    def __init__(self, *args, other: PostgresStore):
        super().__init__(*args)
        self.other = other

    def transaction(self):
        if self.other is not None:
            other, self.other = self.other, None
            with other.transaction():
                other.clear()
        return super().transaction()


def test_a_rebuild_between_a_reading_and_its_writing(postgres_dsn, tmp_path):
    """A reader that read the index before another process cleared it writes nothing
    of what it read (else the other would find a part of the index as if whole)."""
    workspace = make_workspace(tmp_path / "ws", n=2)
    age_folders(workspace, 60)
    workspace_id = str(uuid.uuid4())
    rebuilder = pg_index(workspace, postgres_dsn, workspace_id)
    assert len(rebuilder.rows()) == 4
    with experiment(workspace, "more"):
        Metrics.C(epochs=5).submit()  # (its type folder changes)
    age_folders(workspace, 30)
    expected = folder_answers(workspace)
    reader = JobIndex(workspace, ClearedMeanwhile(postgres_dsn, workspace_id,
                                                  other=rebuilder.store))
    assert answers(reader) == expected
    assert answers(rebuilder) == expected  # (its reading after its clear)
    reader.close(), rebuilder.close()


# -- the command -------------------------------------------------------------------------


def run_cli(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], obj={}, catch_exceptions=False)


def test_the_command_moves_the_index_to_postgres_and_back(workspace, postgres_dsn,
                                                          tmp_path):
    ws = make_workspace(tmp_path / "ws", n=1)
    dsn = postgres_dsn + " password=notused"
    result = run_cli("workspace", "index", "--workdir", ws, "--postgres", dsn)
    assert result.exit_code == 0, result.output
    assert "3 jobs" in result.output and "notused" not in result.output
    config = read_config(ws)
    assert config["backend"] == "postgresql" and config["dsn"] == dsn
    store = PostgresStore(postgres_dsn, config["workspace_id"])
    assert len(store.jobs()) == 3  # built
    result = run_cli("workspace", "index", "--workdir", ws, "--show")
    assert result.output.startswith("postgresql: ") and config["workspace_id"] in result.output
    assert "notused" not in result.output
    # The commands read through it
    listed = xpm("jobs", "list", "--workdir", ws, "--json", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert len(json.loads(listed.stdout)) == 3
    assert not (ws / INDEX_FILE).exists()
    # Again: the same workspace id
    assert run_cli("workspace", "index", "--workdir", ws, "--postgres", dsn).exit_code == 0
    assert read_config(ws)["workspace_id"] == config["workspace_id"]
    # Back to SQLite: the rows in PostgreSQL are removed
    result = run_cli("workspace", "index", "--workdir", ws, "--sqlite")
    assert result.exit_code == 0 and "3 jobs" in result.output, result.output
    assert not (ws / CONFIG_FILE).exists() and (ws / INDEX_FILE).exists()
    assert store.jobs() == []
    assert run_cli("workspace", "index", "--workdir", ws, "--show").output.startswith("sqlite: ")
    store.close()


def test_the_command_with_a_server_down(tmp_path):
    ws = make_workspace(tmp_path / "ws", n=1)
    dsn = down_dsn()
    result = xpm("workspace", "index", "--workdir", ws, "--postgres", dsn, cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    message = result.stderr
    assert "s3cret" not in message
    assert f"port={dsn.split('port=')[1].split()[0]}" in message  # names the server
    assert "start the server" in message and "--sqlite" in message
    assert "Connection refused" in message
    assert not (ws / CONFIG_FILE).exists()  # the configuration is not written
    # A workspace whose configuration names it: commands say so, and how to fix it
    write_config(ws, "postgresql", dsn)
    listed = xpm("jobs", "list", "--workdir", ws, cwd=tmp_path)
    assert listed.returncode == 1 and "Traceback" not in listed.stderr
    assert str(ws / CONFIG_FILE) in listed.stderr and "s3cret" not in listed.stderr
    assert f"experimaestro workspace index --workdir {ws} --sqlite" in listed.stderr
    assert xpm("workspace", "index", "--workdir", ws, "--sqlite",
               cwd=tmp_path).returncode == 0
    assert not (ws / CONFIG_FILE).exists()


def test_a_bad_option_combination():
    result = CliRunner().invoke(cli, ["workspace", "index", "--sqlite", "--show"], obj={})
    assert result.exit_code == 2 and "one of --postgres DSN, --sqlite or --show" in result.output


# -- a driver with the server down --------------------------------------------------------


def test_an_experiment_runs_with_the_server_down(tmp_path, caplog):
    ws = tmp_path / "ws"
    write_config(ws, "postgresql", down_dsn())
    with caplog.at_level(logging.WARNING, logger="xpm.index"):
        with experiment(ws, "x"):
            task = Metrics.C(epochs=2)
            task.submit()
    job = task.__xpm__.job
    assert job.folder.done.exists()
    # Its driver could not update the index (the job started, then ended): one warning
    warnings = [r for r in caplog.records if r.name == "xpm.index"]
    assert len(warnings) == 1 and "was not updated" in warnings[0].getMessage()
    caplog.clear()
    # The same, by hand: the index is not written, a warning once
    index = JobIndex(ws)
    key = (job.path.parent.name, job.path.name)
    with caplog.at_level(logging.WARNING, logger="xpm.index"):
        index.update([key])
        index.update([key])
    warnings = [r for r in caplog.records if r.name == "xpm.index"]
    assert len(warnings) == 1 and "was not updated" in warnings[0].getMessage()
    assert "s3cret" not in warnings[0].getMessage()
    with pytest.raises(IndexUnavailable, match="cannot connect"):
        index.rows()  # (a reader: the error, with how to fix it)
