"""``experimaestro actions list|run``: the actions recorded by experiments
(``xp.add_action(...)``), run after the experiment."""

from pathlib import Path
from typing import Optional

import click

from .workspaces import resolve_workspace

__all__ = ["register"]


def register(cli: click.Group):
    cli.add_command(actions)


@click.group()
@click.option("--workdir", type=click.Path(file_okay=False), default=None,
              help="The workspace folder")
@click.option("--workspace", default=None, metavar="ID",
              help="A workspace of the settings file (default: its first workspace)")
@click.pass_context
def actions(ctx, workdir, workspace):
    """Actions recorded by experiments (export a model, publish results...).

    EXPERIMENT is the name of an experiment of the workspace; its latest run is used.
    It may be left out when the workspace has a single experiment with actions.
    """
    ctx.ensure_object(dict)
    ctx.obj["actions_workspace"] = (workdir, workspace)


def _run_folder(ctx, experiment: Optional[str]) -> Path:
    ws = resolve_workspace(*ctx.obj["actions_workspace"])
    experiments = Path(ws.path).expanduser() / "experiments"
    if experiment is None:
        names = sorted(p.parent.parent.name for p in experiments.glob("*/current/actions.jsonl"))
        if len(names) != 1:
            found = ", ".join(names) if names else "none"
            raise click.UsageError(
                f"give the EXPERIMENT (experiments of {ws.path} with actions: {found})")
        experiment = names[0]
    run = experiments / experiment / "current"
    if not run.exists():
        raise click.UsageError(f"no run of the experiment {experiment!r} in {ws.path}")
    return run


def _load(run: Path):
    from experimaestro.scheduler.xpinfo import load_xp_info

    try:
        return load_xp_info(run).actions
    except (FileNotFoundError, ImportError) as e:
        raise click.ClickException(str(e)) from None


@actions.command("list")
@click.argument("experiment", required=False)
@click.pass_context
def list_actions(ctx, experiment):
    """List the actions of the latest run of EXPERIMENT: id and description."""
    found = _load(_run_folder(ctx, experiment))
    if not found:
        click.echo("no action")
    for action_id, action in found.items():
        click.echo(f"{action_id[:12]}  {action.describe()}")


@actions.command("run")
@click.argument("experiment", required=False)
@click.argument("action", required=False)
@click.option("--set", "answers", multiple=True, metavar="KEY=VALUE",
              help="Answer a question of the action in advance (repeatable)")
@click.pass_context
def run_action(ctx, experiment, action, answers):
    """Run ACTION (an id prefix; optional when the run has a single action)."""
    from experimaestro.actions import CLIInteraction

    prefill = {}
    for answer in answers:
        key, sep, value = answer.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{answer!r} is not KEY=VALUE", param_hint="--set")
        prefill[key] = value
    found = _load(_run_folder(ctx, experiment))
    if action is None:
        matching = list(found)
    else:
        matching = [a for a in found if a.startswith(action.lower())]
    if len(matching) != 1:
        listing = "\n".join(f"  {a[:12]}  {found[a].describe()}" for a in found) or "  (none)"
        what = "no action matches" if not matching else "several actions match"
        raise click.UsageError(f"{what} {action or ''}; the actions are:\n{listing}")
    chosen = found[matching[0]]
    click.echo(f"running {matching[0][:12]}: {chosen.describe()}")
    chosen.execute(CLIInteraction(prefill))
