"""``experimaestro workspace``: operations on one workspace (its index)."""

import time

import click

from . import indexcmd
from .common import open_workspace, workspace_options

__all__ = ["register"]


def register(cli: click.Group):
    cli.add_command(workspace)


@click.group()
def workspace():
    """One workspace: its index (index, reindex)."""


indexcmd.register(workspace)


@workspace.command("reindex")
@workspace_options
@click.pass_context
def reindex(ctx, workdir, workspace):
    """Build the index of the workspace again from its job folders.

    The index (.experimaestro/index.sqlite, or the PostgreSQL database the workspace
    names) makes `jobs list` and `results` fast; it is kept up to date by the drivers and
    the commands. Rebuild it after changing job folders by hand (removing a .done marker,
    copying folders in) or after running the workspace with experimaestro 2.x: it takes
    the state of ended jobs from the index without reading their folders."""
    index = open_workspace(ctx, workdir, workspace)
    start = time.perf_counter()
    count = index.index.rebuild()
    click.echo(f"Indexed {count} jobs of {index.path} in {time.perf_counter() - start:.1f}s")
