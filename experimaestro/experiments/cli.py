"""``experimaestro run-experiment [OPTIONS] YAML_FILE [ARGS]...`` (the click command
``experiments_cli``, which other programs may add to their own click group)."""

import logging
import os
import sys
from pathlib import Path

import click

from experimaestro.exceptions import FailedExperiment, HandledException

from .compat_options import apply_compat_options, compat_options, monitor_options
from .helper import ExperimentCallable, ExperimentHelper

__all__ = ["experiments_cli", "ExperimentHelper", "ExperimentCallable"]

EXIT_FAILED = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130


def _run_mode(ctx, param, value):
    from experimaestro.scheduler.workspace import RunMode

    if value is None:
        return RunMode.NORMAL
    try:
        return RunMode.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _debug(ctx, own: bool) -> bool:
    if own:
        return True
    obj = ctx.find_root().obj
    return bool(isinstance(obj, dict) and obj.get("debug"))


def _traceback(ctx) -> bool:
    """experimaestro --traceback (2.x): errors raise with their traceback."""
    obj = ctx.find_root().obj
    return bool(isinstance(obj, dict) and obj.get("traceback"))


@click.command("run-experiment", context_settings={"ignore_unknown_options": True})
@click.option("--workdir", type=click.Path(file_okay=False), default=None,
              help="The workspace folder")
@click.option("--workspace", default=None, metavar="ID",
              help="A workspace of the settings file (default: the first one whose"
                   " triggers match the experiment id, else the first one)")
@click.option("--run-mode", callback=_run_mode, default=None, metavar="MODE",
              help="normal (default), dry-run, generate or prepare; by value or name,"
                   " in any case (dry_run, DRY_RUN, generate_only...)")
@click.option("-c", "--conf", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Set a configuration value, e.g. -c learning.lr=0.01 (repeatable;"
                   " the value is read as YAML, then checked against the schema)")
@click.option("--pre-yaml", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="A YAML file merged before the main one (repeatable)")
@click.option("--post-yaml", multiple=True, type=click.Path(dir_okay=False), metavar="FILE",
              help="A YAML file merged after the main one (repeatable; it wins)")
@click.option("--env", type=(str, str), multiple=True, metavar="NAME VALUE",
              help="An environment variable for the jobs (repeatable)")
@click.option("--xpm-config-dir", type=click.Path(file_okay=False, exists=True), default=None,
              help="Configuration folder (settings.yaml, launchers.py);"
                   " default $XPM_CONFIG_DIR or ~/.config/experimaestro")
@click.option("--file", "xp_file", default=None, metavar="FILE",
              help="The Python file defining run(helper, cfg) (overrides `file:`)")
@click.option("--module-name", default=None, metavar="MODULE",
              help="The module defining run(helper, cfg) (overrides `module:`)")
@click.option("--cases", default=None, metavar="CASES",
              help="Run only these cases of the configuration's sweep (a field typed"
                   " Sweep): an index (3), a range (2:5, the end excluded), or several"
                   " separated by commas (1,4,6:8)")
@click.option("--show", is_flag=True,
              help="Print the merged configuration (JSON) and exit")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs")
@compat_options
@click.argument("yaml_file", metavar="YAML_FILE", type=click.Path(dir_okay=False))
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def experiments_cli(ctx, workdir, workspace, run_mode, overrides, pre_yaml, post_yaml, env,
                    xpm_config_dir, xp_file, module_name, cases, show, debug, yaml_file,
                    args, **monitoring):
    """Run the experiment described by YAML_FILE.

    The YAML file names the Python file (`file:`, default `experiment`) or module
    (`module:`) defining run(helper, cfg); the keys of the YAML file are checked against
    the annotation of `cfg`. ARGS are passed to the experiment helper.

    Exit code: 0 when every job ended done, 1 when a job failed (or the experiment code
    raised), 2 for an invalid configuration, 130 when interrupted.
    """
    debug = _debug(ctx, debug)
    if debug:
        logging.getLogger().setLevel(logging.DEBUG)
    debug = debug or _traceback(ctx)  # (from here: show tracebacks)
    monitors = monitor_options(**{k: monitoring.pop(k) for k in ("console", "web", "port",
                                                                 "host")})
    apply_compat_options(lambda text: click.echo(f"Warning: {text}", err=True), **monitoring)
    try:
        code = _main(workdir, workspace, run_mode, overrides, pre_yaml, post_yaml, env,
                     xpm_config_dir, xp_file, module_name, cases, show, yaml_file, args,
                     monitors)
    except KeyboardInterrupt:
        if debug:
            raise
        click.echo("Interrupted: jobs already started keep running; run the experiment again"
                   " to follow them", err=True)
        code = EXIT_INTERRUPTED
    except FailedExperiment as exc:
        if debug:
            raise
        click.echo(f"Error: {exc}", err=True)
        code = EXIT_FAILED
    except click.ClickException:
        raise
    except HandledException as exc:
        if debug:
            raise
        from .runner import GitStateError, UserCodeError
        from .yamlfiles import ConfigError

        click.echo(f"Error: {exc}", err=True)
        if isinstance(exc, UserCodeError):
            click.echo("(use `experimaestro --debug run-experiment ...` for the traceback)",
                       err=True)
            code = EXIT_FAILED
        elif isinstance(exc, ConfigError) and not isinstance(exc, GitStateError):
            code = EXIT_INVALID
        else:
            code = EXIT_FAILED
    except Exception as exc:  # noqa: BLE001 - the experiment's code raised
        if debug:
            raise
        from .runner import where_in_user_code

        where = where_in_user_code(exc)
        click.echo(f"Error: the experiment raised {type(exc).__name__} ({where}): {exc}",
                   err=True)
        click.echo("(use `experimaestro --debug run-experiment ...` for the traceback)",
                   err=True)
        code = EXIT_FAILED
    ctx.exit(code)


def _main(workdir, workspace, run_mode, overrides, pre_yaml, post_yaml, env, xpm_config_dir,
          xp_file, module_name, cases, show, yaml_file, args, monitors) -> int:
    from .runner import ExperimentRun

    if xpm_config_dir is not None:
        os.environ["XPM_CONFIG_DIR"] = str(Path(xpm_config_dir).absolute())
    xp_run = ExperimentRun(yaml_file, pre_yaml=pre_yaml, post_yaml=post_yaml,
                           overrides=overrides, xp_file=xp_file, module_name=module_name,
                           cases=cases)
    xp_run.import_experiment()
    xp_run.build()
    if show:
        import json

        # One JSON line, as 2.x prints it (printed once the configuration passed the checks)
        click.echo(json.dumps(xp_run.shown(), default=str))
        return 0

    from experimaestro.cli.workspaces import resolve_workspace

    ws = resolve_workspace(workdir, workspace, experiment_id=xp_run.experiment_id)
    xp_run.check_git(warn=lambda text: click.echo(text, err=True))
    web = {}
    if monitors["web"]:
        # As 2.x: the web monitor stays up after the last job, until the user quits it
        from experimaestro.scheduler.monitoring import DEFAULT_PORT, server_options

        web = server_options(monitors["host"], monitors["port"])
        web["port"] = DEFAULT_PORT if web["port"] is None else web["port"]
        web["wait_for_quit"] = True
    if monitors["console"]:
        from .console import ConsoleMonitor

        with ConsoleMonitor(ws.path, xp_run.experiment_id):
            xp = xp_run.run(ws, run_mode=run_mode, env=env, args=list(args), **web)
    else:
        xp = xp_run.run(ws, run_mode=run_mode, env=env, args=list(args), **web)
    if xp.run_path is not None:
        print(f"Experiment {xp.name} ended: {xp.run_path}", file=sys.stderr)
    return 0
