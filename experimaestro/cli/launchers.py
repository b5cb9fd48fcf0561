"""``experimaestro find-launchers SPEC...``: which launcher a requirement gets."""

import click


def register(cli: click.Group):
    cli.add_command(find_launchers)


@click.command("find-launchers")
@click.argument("specs", nargs=-1, required=True, metavar="SPEC...")
@click.option("--config", "config_dir", type=click.Path(exists=True, file_okay=False),
              help="Configuration folder holding launchers.py "
                   "(default: $XPM_CONFIG_DIR or ~/.config/experimaestro)")
@click.option("--tag", "tags", multiple=True, help="A tag passed to find_launcher (repeatable)")
@click.pass_context
def find_launchers(ctx, specs, config_dir, tags):
    """Print the launcher chosen for the requirement SPEC, e.g. "duration=2h & cuda(mem=8GiB)".

    With several SPECs, they are tried in order. The exit code is 1 when no launcher
    fits, 2 when a SPEC cannot be read.
    """
    from experimaestro.launcherfinder.registry import (
        LauncherNotFoundError,
        LaunchersFileError,
        find_launcher,
    )
    from experimaestro.launcherfinder.units import RequirementSyntaxError

    debug = bool((ctx.obj or {}).get("traceback"))  # (--debug sets it too)
    try:
        launcher = find_launcher(*specs, tags=set(tags), config_dir=config_dir)
    except RequirementSyntaxError as exc:
        if debug:
            raise
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(2)
    except (LauncherNotFoundError, LaunchersFileError) as exc:
        if debug:
            raise
        click.echo(f"Error: {exc}", err=True)
        ctx.exit(1)
    click.echo(repr(launcher))
