"""experimaestro find-launchers SPEC... [--config DIR]."""

import shutil
import subprocess
import sys
import textwrap

import pytest
from click.testing import CliRunner

from experimaestro.cli import cli


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("XPM_CONFIG_DIR", str(tmp_path / "empty"))

    def invoke(*args):
        return CliRunner().invoke(cli, ["find-launchers", *args], obj={})

    return invoke


@pytest.fixture
def config(tmp_path):
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "launchers.py").write_text(textwrap.dedent("""
        from experimaestro.launchers.direct import DirectLauncher

        def find_launcher(requirements, tags):
            if "fail" in tags:
                raise RuntimeError("no cluster today")
            if requirements.requirements[0].accelerators:
                return None
            return DirectLauncher(max_jobs=5)
    """))
    return folder


def test_prints_the_launcher(run):
    if shutil.which("nvidia-smi"):
        pytest.skip("this host has GPUs")
    result = run("cpu(cores=1)")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("DirectLauncher(")


def test_none_fits_here(run, tmp_path, monkeypatch):
    if shutil.which("nvidia-smi"):
        pytest.skip("this host has GPUs")
    monkeypatch.setenv("XPM_LAUNCHERS_STRICT", "1")
    result = run("cuda(mem=1GiB)")
    assert result.exit_code == 1
    assert "Error: no launcher for cuda(mem=1GiB)" in result.output
    assert "launchers.example.py" in result.output
    assert "Traceback" not in result.output


def test_config_option(run, config):
    result = run("cpu(cores=1)", "--config", str(config))
    assert (result.exit_code, result.output) == (0, "DirectLauncher(max_jobs=5)\n")
    result = run("--config", str(config), "cuda(mem=1GiB)")
    assert result.exit_code == 1
    assert f"find_launcher() of {config / 'launchers.py'} returned None for it" in result.output


def test_several_specs_and_tags(run, config):
    result = run("--config", str(config), "cuda(mem=1GiB)", "cpu(cores=2)")
    assert (result.exit_code, result.output) == (0, "DirectLauncher(max_jobs=5)\n")
    result = run("--config", str(config), "--tag", "fail", "cpu()")
    assert result.exit_code == 1
    assert f"Error: {config / 'launchers.py'}: find_launcher('cpu()', ['fail']) raised " \
           "RuntimeError: no cluster today" in result.output


def test_syntax_error_shows_the_caret(run):
    result = run("cpu(mem=4) & cuda()")
    assert result.exit_code == 2
    assert result.output == (
        "Error: memory size 4 has no unit: write 4G (4 x 10^9 bytes) or 4GiB (4 x 2^30 bytes)"
        " (column 10)\n"
        "  cpu(mem=4) & cuda()\n"
        "           ^\n"
    )


def test_config_must_be_a_folder(run, tmp_path):
    result = run("--config", str(tmp_path / "missing"), "cpu()")
    assert result.exit_code == 2
    assert "does not exist" in result.output
    (tmp_path / "file").write_text("")
    result = run("--config", str(tmp_path / "file"), "cpu()")
    assert result.exit_code == 2
    assert "is a file" in result.output


def test_shows_the_slurm_options(run, tmp_path):
    """With launchers.example.py as launchers.py, the Slurm options are printed."""
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "launchers.example.py"
    (tmp_path / "launchers.py").write_text(example.read_text())
    result = run("--config", str(tmp_path), "duration=2h & cuda(mem=20GiB)")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("SlurmLauncher(")
    for option in ("--partition=gpu", "--time=2:00:00", "--gpus-per-node=1"):
        assert option in result.output


def test_needs_a_spec(run):
    result = run()
    assert result.exit_code == 2
    assert "Missing argument 'SPEC...'" in result.output


def test_command_line(tmp_path):
    """Through the installed entry point: no traceback on stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "experimaestro", "find-launchers", "cuda(mem=1GiB) cpu()"],
        capture_output=True, text=True, env={"XPM_CONFIG_DIR": str(tmp_path), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "Error: invalid requirement: expected '&', '|', '*' or the end of the requirement, "
        "found 'cpu' (column 16)",
        "  cuda(mem=1GiB) cpu()",
        "                 ^",
    ]
