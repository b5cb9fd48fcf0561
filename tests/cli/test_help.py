"""Every command answers --help."""

import pytest
from click.testing import CliRunner

from experimaestro.cli import cli

from .helpers import xpm


def _commands(group, prefix=()):
    yield prefix
    for name, command in sorted(getattr(group, "commands", {}).items()):
        yield from _commands(command, (*prefix, name))


COMMANDS = list(_commands(cli))


def test_expected_commands_exist():
    names = {" ".join(c) for c in COMMANDS}
    for expected in ("run-experiment", "jobs", "jobs list", "jobs log", "jobs path",
                     "jobs kill", "jobs clean", "workspaces", "workspaces list", "run"):
        assert expected in names


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "experimaestro")
def test_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"], obj={})
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output and "--help" in result.output


def test_help_in_a_subprocess(tmp_path):
    result = xpm("run-experiment", "--help", cwd=tmp_path)
    assert result.returncode == 0
    for option in ("--workdir", "--workspace", "--run-mode", "--show", "--env", "-c",
                   "--pre-yaml", "--post-yaml", "--xpm-config-dir"):
        assert option in result.stdout
