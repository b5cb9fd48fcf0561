"""The ``experimaestro`` command (click). Each command group lives in its own module."""

import os
import sys

import click

from experimaestro import __version__


@click.group()
@click.version_option(__version__, prog_name="experimaestro")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs")
@click.pass_context
def cli(ctx, debug):
    """experimaestro: run and manage experiments."""
    import logging

    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING)


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

    for name in ("launchers", "launchersfile", "experiments", "jobs", "workspaces", "actions"):
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
    except BrokenPipeError:
        # The reader of our output went away (`experimaestro jobs list | head`): end
        # quietly, with no message about the pipe when Python flushes stdout at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)
