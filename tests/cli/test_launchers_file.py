"""experimaestro launchers direct generate / launchers slurm configure: a launchers.py is
printed, written with --perform, and never replaced without --force."""

import pytest
from click.testing import CliRunner

from experimaestro.cli import cli

SINFO = """\
short*|up|1:00:00|30:00|2|4|16000|(null)|(null)|n[1-2]
gpu|up|1-00:00:00|1:00:00|1|8|64000|gpu:v100:2|(null)|g1
"""


@pytest.fixture
def run(tmp_path, monkeypatch):
    monkeypatch.setenv("XPM_CONFIG_DIR", str(tmp_path / "config"))

    def invoke(*args):
        return CliRunner().invoke(cli, list(map(str, args)), obj={})

    return invoke


def test_direct_generate_prints_then_writes(tmp_path, run):
    path = tmp_path / "config" / "launchers.py"
    shown = run("launchers", "direct", "generate")
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith('"""launchers.py for ')
    assert f"(nothing written: add --perform to write {path})" in shown.stderr
    assert not path.exists()

    written = run("launchers", "direct", "generate", "--perform")
    assert written.exit_code == 0 and f"Wrote {path}" in written.stderr
    assert path.read_text() == shown.stdout
    again = run("launchers", "direct", "generate", "--perform")
    assert again.exit_code == 0 and "is up to date" in again.stderr
    found = run("find-launchers", "cpu(cores=1)")
    assert found.exit_code == 0 and found.stdout.startswith("DirectLauncher(")


def test_an_existing_file_is_replaced_only_with_force(tmp_path, run):
    path = tmp_path / "mine.py"
    path.write_text("# my own launchers.py\n")
    shown = run("launchers", "direct", "generate", "-o", path)
    assert "exists and differs; add --perform --force to replace it" in shown.stderr
    refused = run("launchers", "direct", "generate", "-o", path, "--perform")
    assert refused.exit_code == 1
    assert "-# my own launchers.py" in refused.stdout  # the differences
    assert "add --force to replace it (it is then kept as mine.py.bak)" in refused.stderr
    assert path.read_text() == "# my own launchers.py\n"
    replaced = run("launchers", "direct", "generate", "-o", path, "--perform", "--force")
    assert replaced.exit_code == 0, replaced.output
    assert "(the previous one is mine.py.bak)" in replaced.stderr
    assert (tmp_path / "mine.py.bak").read_text() == "# my own launchers.py\n"
    assert path.read_text().startswith('"""launchers.py for ')


def test_direct_generate_options(tmp_path, run):
    result = run("launchers", "direct", "generate", "--reserve", "1GiB", "--memory-unit",
                 "512MiB")
    assert "RESERVED = 1 * GiB" in result.stdout and "MEMORY_UNIT = 512 * MiB" in result.stdout
    plain = run("launchers", "direct", "generate", "--no-tokens")
    assert "LAUNCHER = DirectLauncher()" in plain.stdout
    bad = run("launchers", "direct", "generate", "--reserve", "2GB")
    assert bad.exit_code == 2 and "unknown size unit 'GB'" in bad.stderr
    too_much = run("launchers", "direct", "generate", "--reserve", "100TiB")
    assert too_much.exit_code == 2 and "nothing is left" in too_much.stderr


def test_slurm_configure_from_a_saved_sinfo_output(tmp_path, run):
    saved = tmp_path / "sinfo.txt"
    saved.write_text(SINFO)
    command = run("launchers", "slurm", "configure", "--help-sinfo")
    assert command.stdout.startswith("sinfo --noheader --exact '--format=%P|")
    result = run("launchers", "slurm", "configure", "--sinfo-output", saved, "--gpu-memory",
                 "v100=32GiB", "--account", "team", "--perform")
    assert result.exit_code == 0, result.output
    assert "Partitions: short, gpu" in result.stderr
    text = (tmp_path / "config" / "launchers.py").read_text()
    assert 'CudaSpecification(memory=32 * GiB, model="v100")] * 2' in text
    found = run("find-launchers", "duration=2h & cuda(mem=16GiB)")
    assert found.stdout.strip() == ("SlurmLauncher(--nodes=1 --time=02:00:00 --account=team"
                                    " --partition=gpu --gpus-per-node=v100:1)")
    assert "--partition=short" in run("find-launchers", "duration=1h").stdout


def test_slurm_configure_errors(tmp_path, run):
    saved = tmp_path / "sinfo.txt"
    saved.write_text(SINFO)
    unknown = run("launchers", "slurm", "configure", "--sinfo-output", saved, "-p", "long")
    assert unknown.exit_code == 2
    assert "no partition long in this cluster (its partitions: gpu, short)" in unknown.stderr
    bad = run("launchers", "slurm", "configure", "--sinfo-output", saved, "--gpu-memory",
              "v100=32")
    assert bad.exit_code == 2 and "v100=32: memory size 32 has no unit" in bad.stderr
    garbled = tmp_path / "garbled.txt"
    garbled.write_text("PARTITION AVAIL TIMELIMIT\n")
    result = run("launchers", "slurm", "configure", "--sinfo-output", garbled)
    assert result.exit_code == 2 and "sinfo output, line 1: expected the fields" in result.stderr
    missing = run("launchers", "slurm", "configure", "--binpath", tmp_path)
    assert missing.exit_code == 2 and f"{tmp_path}/sinfo" in missing.stderr
