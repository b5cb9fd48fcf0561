"""The options of 2.x's ``run-experiment`` that are about monitoring and file watching:
accepted so that 2.x command lines keep working; each one either works or says, in one
warning, that it has no effect here — never silently ignored."""

import os

import click

__all__ = ["compat_options", "apply_compat_options", "monitor_options", "WATCHERS"]

#: --watcher values of 2.x: how the driver learns that a job folder changed
WATCHERS = ("auto", "polling", "inotify", "fsevents", "kqueue", "windows")

#: option -> why it has no effect here
_NO_EFFECT = {
    "events_viewer": "the event stream is not available in this version",
    "no_progress": "there is no event viewer whose progress events it would hide",
}


def compat_options(command):
    """Adds 2.x's monitoring and watching options to a click command."""
    options = [
        click.option("--no-db", is_flag=True,
                     help="(2.x) No database: none is used here, the job folders are the"
                          " state"),
        click.option("--no-progress", is_flag=True, help="(2.x) no effect here (a warning)"),
        click.option("--events-format", type=click.Choice(["text", "json"]), default=None,
                     help="(2.x) no effect here (a warning)"),
        click.option("--events-viewer", is_flag=True, help="(2.x) no effect here (a warning)"),
        click.option("--console", is_flag=True,
                     help="Show the terminal monitor while the experiment runs (needs the"
                          " monitor extra)"),
        click.option("--web", is_flag=True,
                     help="Serve the web monitor while the experiment runs, and after it"
                          " until you quit it (on --port, default: the settings'"
                          " server.port, else 12345; needs the monitor extra)"),
        click.option("--port", type=click.IntRange(0, 65535), default=None,
                     help="The web monitor's port (implies --web; 0: any free port)"),
        click.option("--host", default=None, metavar="HOST",
                     help="The address the web monitor binds (default 127.0.0.1)"),
        click.option("--watcher", type=click.Choice(WATCHERS), default=None,
                     help="How job folders are watched: file events of the platform"
                          " (auto), or polling (network file systems)"),
        click.option("--polling-interval", type=click.FloatRange(min=0.05), default=None,
                     metavar="SECONDS",
                     help="Longest time between two looks at a job folder (--watcher"
                          " polling)"),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def apply_compat_options(warn, *, no_db=False, no_progress=False, events_format=None,
                         events_viewer=False, watcher=None, polling_interval=None):
    """Apply the options (in this process's environment, read by the launchers' file
    watching), and warn once for each one that has no effect."""
    given = {"events_viewer": events_viewer, "no_progress": no_progress}
    for name, value in given.items():
        if value:
            warn(f"--{name.replace('_', '-')}: {_NO_EFFECT[name]}; the option has no"
                 " effect")
    if events_format is not None:
        warn(f"--events-format {events_format}: the event stream is not available in this"
             " version; the option has no effect")
    if polling_interval is not None and watcher not in (None, "polling"):
        raise click.UsageError(f"--polling-interval is for --watcher polling (not"
                               f" --watcher {watcher})")
    if watcher is not None:
        os.environ["XPM_WATCHER"] = watcher
    if polling_interval is not None:
        os.environ["XPM_WATCHER"] = "polling"
        os.environ["XPM_POLLING_INTERVAL"] = str(polling_interval)
    # --no-db: nothing to do (no database: the job folders hold every state)


def monitor_options(console=False, web=False, port=None, host=None) -> dict:
    """The monitors run-experiment shows: {"console": bool, "web": bool, "port": int or
    None (the settings' or 12345), "host": str or None}."""
    web = web or port is not None
    if host is not None and not web:
        raise click.UsageError("--host is the web monitor's address: add --web or --port")
    return {"console": console, "web": web, "port": port, "host": host}
