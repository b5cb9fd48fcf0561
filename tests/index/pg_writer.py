"""Run by test_postgres.py, several at once: one process writing the index of a workspace
in PostgreSQL over and over (rebuilds, updates of job rows, readings), as drivers and
commands do; each answer must have every job. Prints the number of jobs at the end;
the warnings of the index go to stderr.

    python pg_writer.py DSN WORKSPACE_ID WORKSPACE ROUNDS
"""

import logging
import sys
from pathlib import Path

from experimaestro.index.jobindex import JobIndex
from experimaestro.index.postgres import PostgresStore


def main(dsn: str, workspace_id: str, workspace: str, rounds: int):
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    index = JobIndex(Path(workspace), PostgresStore(dsn, workspace_id))
    keys = list(index.rows())
    for i in range(rounds):
        if i % 3 == 0:
            count = index.rebuild()
        elif i % 3 == 1:
            index.update(keys)
            count = len(keys)
        else:
            count = len(index.rows())
        if count != len(keys):  # (each answer is whole, whatever the others do)
            sys.exit(f"round {i}: {count} jobs instead of {len(keys)}")
    print(len(index.rows()))
    index.close()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]))
