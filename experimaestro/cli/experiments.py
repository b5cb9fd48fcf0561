"""``experimaestro run-experiment``: the command lives in experimaestro.experiments.cli (other
programs add it to their own click group)."""

import click


def register(cli: click.Group):
    from experimaestro.experiments.cli import experiments_cli

    cli.add_command(experiments_cli, "run-experiment")
