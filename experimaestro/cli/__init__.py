"""The ``experimaestro`` command (click). Each command group lives in its own module."""

import os
import sys

import click

from experimaestro import __version__
from experimaestro.index.errors import IndexConfigError, IndexUnavailable


def _log_levels(ctx, param, value):
    """``--logging xpm.scheduler=DEBUG,xpm.slurm=WARNING`` -> {name: level}."""
    import logging

    levels = {}
    for item in filter(None, (part.strip() for part in (value or "").split(","))):
        name, sep, level = item.partition("=")
        number = logging.getLevelName(level.strip().upper()) if sep else None
        if not sep or not name.strip() or not isinstance(number, int):
            raise click.BadParameter(
                f"{item!r}: expected LOGGER=LEVEL, LEVEL one of DEBUG, INFO, WARNING,"
                " ERROR, CRITICAL (e.g. --logging xpm.scheduler=DEBUG)")
        levels[name.strip()] = number
    return levels


@click.group()
@click.version_option(__version__, prog_name="experimaestro")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs")
@click.option("--quiet", is_flag=True, help="Only warnings and errors (no INFO lines)")
@click.option("--traceback", is_flag=True, help="Show the traceback of an error")
@click.option("--logging", "log_levels", callback=_log_levels, metavar="LOGGER=LEVEL,...",
              help="Levels of some loggers (e.g. xpm.scheduler=DEBUG,xpm.slurm=WARNING)")
@click.pass_context
def cli(ctx, debug, quiet, traceback, log_levels):
    """experimaestro: run and manage experiments."""
    import logging

    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    ctx.obj["traceback"] = traceback or debug
    # As in 2.x: INFO lines (the experiment's own included) unless --quiet
    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level)
    logging.getLogger().setLevel(level)
    for name, number in log_levels.items():
        logging.getLogger(name).setLevel(number)


@cli.command("run")
@click.argument("jobdir", type=click.Path(exists=True))
def run_job(jobdir):
    """Run the task of a job folder (the job-side entry point)."""
    from experimaestro.run import main as run_main

    raise SystemExit(run_main([jobdir]))


@cli.command("rpyc-server")
@click.option("--clean", is_flag=True, help="Remove the socket file and its folder at the end")
@click.argument("unix_path", type=click.Path())
def rpyc_server(unix_path, clean):
    """Serve one rpyc connection on a Unix socket (the remote end of experimaestro.rpyc)."""
    from experimaestro.rpyc import start_server

    start_server(unix_path, clean=clean)


def _register():
    """Commands defined in other modules of this package."""
    import importlib

    for name in ("launchers", "launchersfile", "experiments", "jobs", "workspaces", "workspace",
                 "results", "actions"):
        try:
            module = importlib.import_module(f"experimaestro.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"experimaestro.cli.{name}":
                raise
            continue
        module.register(cli)


_register()


def main():
    try:
        cli(obj={})
    except (IndexConfigError, IndexUnavailable) as exc:
        # The workspace index cannot be used (its message says where and how to fix it)
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    except BrokenPipeError:
        # The reader of our output went away (`experimaestro jobs list | head`): end
        # quietly, with no message about the pipe when Python flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
