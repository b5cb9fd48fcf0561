"""``experimaestro experiments monitor``: the terminal monitor (``--console``, Textual) or
the web monitor (``--port``, served until Ctrl-C) over a workspace."""

import click

from experimaestro.monitor import MissingExtra, require_extra

from .common import open_workspace, workspace_options

__all__ = ["monitor"]


@click.command("monitor")
@workspace_options
@click.option("--console", is_flag=True,
              help="The terminal monitor (the default when --port is not given)")
@click.option("--port", type=click.IntRange(0, 65535), default=None,
              help="Serve the web monitor on this port (0: any free port)")
@click.option("--host", default=None, metavar="HOST",
              help="Address the web monitor binds (default: the settings' server.host,"
                   " else 127.0.0.1: this machine only)")
@click.option("--token", default=None, metavar="TOKEN",
              help="The web monitor's access token (default: the settings'"
                   " server.token, else a random one, printed with the URL)")
@click.option("--experiment", "-e", "experiment", default=None, metavar="NAME",
              help="Open this experiment's jobs (terminal monitor; it may not have"
                   " started yet)")
@click.pass_context
def monitor(ctx, workdir, workspace, console, port, host, token, experiment):
    """Watch the experiments and jobs of a workspace: their states and progress, tags,
    parameters, logs; kill or clean jobs. Needs `pip install 'experimaestro[monitor]'`."""
    index = open_workspace(ctx, workdir, workspace)
    if console and port is not None:
        raise click.UsageError("--console and --port: choose the terminal monitor"
                               " (--console) or the web monitor (--port)")
    web_only = {"--host": host, "--token": token}
    if port is None:
        given = [name for name, value in web_only.items() if value is not None]
        if given:
            raise click.UsageError(f"{', '.join(given)}: for the web monitor; add --port")
    try:
        if port is None:
            require_extra("textual")
            # (the UI packages load only when asked for: an optional extra)
            from experimaestro.monitor.tui import run
            run(index.path, experiment=experiment)
        else:
            if experiment is not None:
                raise click.UsageError("--experiment is for the terminal monitor; the web"
                                       " monitor lists every experiment")
            require_extra("starlette", "uvicorn")
            # (here: 50 ms to import for every command otherwise)
            from experimaestro.monitor.web import serve
            from experimaestro.scheduler.monitoring import server_options

            options = server_options(host, port, token)  # (settings.yaml's server:)
            serve(index.path, **options)
    except MissingExtra as exc:
        raise click.ClickException(str(exc)) from None
