"""``experimaestro results``: the jobs of a workspace as a table of tags, parameters,
times, states and metrics (see index/results.py), as text, CSV or JSON."""

import json
import sys

import click

from .common import open_workspace, table, time_text, workspace_options
from .jobselect import Selection, filter_options

__all__ = ["register"]

#: the columns shown when --columns is not given
DEFAULT_COLUMNS = ("id", "task", "state", "duration", "tag.*", "metric.*")
FORMATS = ("table", "csv", "json")


def register(cli: click.Group):
    cli.add_command(results)


@click.command()
@workspace_options
@filter_options
@click.option("--format", "output", type=click.Choice(FORMATS), default="table",
              show_default=True, help="table (for reading), csv or json (for programs)")
@click.option("--columns", default=None, metavar="NAMES",
              help="The columns, separated by commas; a name may end with * (tag.*,"
                   " metric.*, param.model.*). Columns: id, task, type, state, reason,"
                   " submitted, started, ended, duration, experiments, path, tag.NAME,"
                   " param.NAME, metric.NAME. Default: " + ",".join(DEFAULT_COLUMNS))
@click.pass_context
def results(ctx, workdir, workspace, experiments, states, types, tags, filter_text, output,
            columns):
    """The jobs of a workspace with their tags, parameters and the last value of each
    metric they recorded (log_metric), oldest first.

    \b
    experimaestro results --filter 'task=train and metric.accuracy >= 0.8'
    experimaestro results --state done --columns 'id,tag.*,param.lr,metric.*' --format csv
    """
    from experimaestro.index.results import Results

    index = open_workspace(ctx, workdir, workspace)
    selection = Selection(index, experiments, states, types, tags, filter_text)
    rows = sorted(selection.jobs(), key=lambda j: (j.submitted or 0, j.locator))
    found = Results(index.path, _rows=rows, _index=index.index)
    patterns = [c.strip() for c in columns.split(",") if c.strip()] if columns else \
        list(DEFAULT_COLUMNS)
    names = found.select_columns(patterns)
    if output == "csv":
        found.to_csv(sys.stdout, columns=names)
        return
    records = found.to_records(names)
    if output == "json":
        click.echo(json.dumps(records, indent=1, default=str))
        return
    if not records:
        click.echo("No job", err=True)
        return
    full = not sys.stdout.isatty()
    click.echo(table([[_cell(name, r.get(name), full) for name in names] for r in records],
                     [_header(name) for name in names]))


def _header(name: str) -> str:
    return name.split(".", 1)[1] if name.startswith(("tag.", "metric.")) else name


def _cell(name: str, value, full: bool) -> str:
    if value is None:
        return "-"
    if name in ("submitted", "started", "ended"):
        return time_text(value)
    if name == "duration":
        return f"{value:.1f}s"
    if name == "id" and not full:
        return value[:12]
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (list, dict)):
        return json.dumps(value)
    return str(value)
