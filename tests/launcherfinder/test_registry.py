"""find_launcher: the user's launchers.py, or this host when there is none."""

import logging
import os
import shutil
import textwrap

import pytest

from experimaestro.launcherfinder import (
    LauncherNotFoundError,
    LaunchersFileError,
    find_launcher,
    local_host,
)
from experimaestro.launcherfinder.host import cpu_count, total_memory
from experimaestro.launcherfinder.parser import parse
from experimaestro.launcherfinder.registry import LauncherRegistry
from experimaestro.launcherfinder.units import human_size
from experimaestro.launchers.direct import DirectLauncher

GiB = 2**30


@pytest.fixture
def config(tmp_path, monkeypatch):
    """An empty configuration folder, used through $XPM_CONFIG_DIR."""
    folder = tmp_path / "config"
    folder.mkdir()
    monkeypatch.setenv("XPM_CONFIG_DIR", str(folder))
    return folder


def write_launchers(folder, code: str):
    path = folder / "launchers.py"
    path.write_text(textwrap.dedent(code))
    # A new mtime for each version, even within one clock tick
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9 * len(code)))
    return path


# --- without launchers.py: this host --------------------------------------------------


@pytest.fixture
def no_gpu(monkeypatch):
    """Skip on a machine with nvidia-smi (the tests below describe a host without GPU)."""
    if shutil.which("nvidia-smi"):
        pytest.skip("this host has nvidia-smi: the no-GPU behaviour cannot be observed")


def test_local_host():
    host = local_host()
    assert host.cpu.cores == cpu_count() >= 1
    assert host.cpu.memory == total_memory() > 0
    with open("/proc/meminfo") as f:
        kb = int(next(line for line in f if line.startswith("MemTotal:")).split()[1])
    assert host.cpu.memory == kb * 1024
    assert cpu_count() == len(os.sched_getaffinity(0))


def test_cpu_requirement_runs_here(config, no_gpu):
    launcher = find_launcher("cpu(cores=1)")
    assert isinstance(launcher, DirectLauncher)
    # The same launcher each time (it limits the number of jobs running here)
    assert find_launcher(parse("duration=2h & cpu(mem=1GiB)")) is launcher


@pytest.fixture
def strict(monkeypatch):
    """XPM_LAUNCHERS_STRICT=1: a requirement this host does not fit is an error."""
    monkeypatch.setenv("XPM_LAUNCHERS_STRICT", "1")


def test_gpu_requirement_runs_here_with_a_warning(config, no_gpu, caplog):
    """As in 2.x (launchers.py is optional), the jobs run on this host; but never
    silently: one warning says what the host lacks and points to launchers.py."""
    with caplog.at_level(logging.WARNING):
        launcher = find_launcher("cuda(mem=1GiB)")
        assert find_launcher("cuda(mem=1GiB)") is launcher  # (warned once)
    assert isinstance(launcher, DirectLauncher)
    warnings = [r.getMessage() for r in caplog.records]
    assert len(warnings) == 1, warnings
    message = warnings[0]
    assert message.startswith(
        f"cuda(mem=1GiB): this host ({cpu_count()} cores, {human_size(total_memory())} of"
        " memory and no GPU) does not fit: the GPUs asked for (cuda(mem=1GiB)) are not there"
        " (the host has: none). The jobs run here anyway")
    assert "XPM_LAUNCHERS_STRICT=1" in message
    assert f"write {config / 'launchers.py'}" in message and "launchers.example.py" in message


def test_gpu_requirement_fails_here_when_strict(config, no_gpu, strict):
    with pytest.raises(LauncherNotFoundError) as info:
        find_launcher("cuda(mem=1GiB)")
    message = str(info.value)
    assert message.startswith(
        f"no launcher for cuda(mem=1GiB): this host ({cpu_count()} cores,"
        f" {human_size(total_memory())} of memory and no GPU) does not fit: the GPUs asked"
        " for (cuda(mem=1GiB)) are not there (the host has: none).\n")
    assert f"There is no {config / 'launchers.py'}, and XPM_LAUNCHERS_STRICT is set" in message
    assert "launchers.example.py" in message
    assert f"write {config / 'launchers.py'}" in message
    assert [str(r) for r in info.value.requirements] == ["cuda(mem=1GiB)"]


def test_this_machine_description(config, no_gpu, strict):
    # The machine these tests were written on: 2 cores, ~24 GiB, no GPU
    if cpu_count() != 2 or not 20 * GiB < total_memory() < 28 * GiB:
        pytest.skip("not the reference machine (2 cores, ~24 GiB)")
    with pytest.raises(LauncherNotFoundError, match=r"2 cores, 23\.\d GiB of memory and no GPU"):
        find_launcher("cuda(mem=1GiB)")


def test_too_many_cores_or_memory_say_what_the_host_lacks(config, no_gpu, strict):
    with pytest.raises(LauncherNotFoundError,
                       match=rf"no launcher for cpu\(cores=100000\): .* does not fit: 100000"
                             rf" cores are more than the host's {cpu_count()}"):
        find_launcher("cpu(cores=100000)")
    with pytest.raises(LauncherNotFoundError, match=r"1000 TiB of memory is more than the"
                                                     r" host's"):
        find_launcher("cpu(mem=1000TiB)")
    with pytest.raises(LauncherNotFoundError, match=r"cpu\(cores=100000\): 100000 cores are"
                                                     r" more.*; cpu\(mem=1000TiB\): 1000"
                                                     r" TiB of memory"):
        find_launcher("cpu(cores=100000) | cpu(mem=1000TiB)")


def test_first_fitting_spec_wins(config, no_gpu, strict):
    assert isinstance(find_launcher("cuda(mem=1GiB)", "cpu(cores=1)"), DirectLauncher)
    assert isinstance(find_launcher("cuda(mem=1GiB) | cpu(cores=1)"), DirectLauncher)
    with pytest.raises(LauncherNotFoundError) as info:
        find_launcher("cuda(mem=1GiB)", "mps(mem=1GiB)")
    assert str(info.value).startswith("no launcher for any of 'cuda(mem=1GiB)', 'mps(mem=1GiB)':"
                                      " this host (")


def test_gpus_from_nvidia_smi(config, tmp_path, monkeypatch, strict):
    """A fake nvidia-smi reporting two GPUs (memory in MiB, as the real one prints)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    script = bindir / "nvidia-smi"
    script.write_text(
        "#!/bin/sh\n"
        'echo "$@" > "$(dirname "$0")/args"\n'
        "printf '24576\\n81920\\n'\n"
    )
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    host = local_host()
    assert [a.memory for a in host.accelerators] == [24 * GiB, 80 * GiB]
    assert host.cuda == host.accelerators
    assert (bindir / "args").read_text().split() == [
        "--query-gpu=memory.total", "--format=csv,noheader,nounits"
    ]
    assert isinstance(find_launcher("cuda(mem=64GiB) & cuda(mem=20GiB)"), DirectLauncher)
    with pytest.raises(LauncherNotFoundError, match=r"cuda GPU \(24 GiB\), cuda GPU \(80 GiB\)"):
        find_launcher("cuda(mem=64GiB)*2")


def test_failing_nvidia_smi_means_no_gpu(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "nvidia-smi").write_text("#!/bin/sh\necho 'NVIDIA-SMI has failed' >&2\nexit 9\n")
    (bindir / "nvidia-smi").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    assert local_host().accelerators == []


# --- with launchers.py ----------------------------------------------------------------


def test_launchers_py_is_called_with_requirements_and_tags(config):
    write_launchers(config, """
        from experimaestro.launchers.direct import DirectLauncher

        calls = []
        LAUNCHER = DirectLauncher(max_jobs=3)

        def find_launcher(requirements, tags):
            calls.append((str(requirements), sorted(tags)))
            if requirements.requirements[0].cuda_gpus:
                return None
            return LAUNCHER
    """)
    launcher = find_launcher("cuda(mem=1GiB)", "cpu(cores=1)", tags={"a", "b"})
    assert isinstance(launcher, DirectLauncher) and launcher.max_jobs == 3
    module = LauncherRegistry.instance()._module
    assert module.calls == [("cuda(mem=1GiB)", ["a", "b"]), ("cpu(cores=1)", ["a", "b"])]


def test_first_non_none_result_wins(config):
    write_launchers(config, """
        from experimaestro.launchers.direct import DirectLauncher

        def find_launcher(requirements, tags):
            return DirectLauncher(max_jobs=int(requirements.requirements[0].cpu.cores))
    """)
    assert find_launcher("cpu(cores=4)", "cpu(cores=5)").max_jobs == 4


def test_launchers_py_returning_none(config):
    path = write_launchers(config, """
        def find_launcher(requirements, tags):
            return None
    """)
    with pytest.raises(LauncherNotFoundError) as info:
        find_launcher("cpu(cores=1)", tags={"gpu"})
    assert str(info.value) == (
        f"no launcher for cpu(cores=1)\nfind_launcher() of {path} returned None for it (tags: gpu)."
    )


def test_launchers_py_is_reloaded_when_it_changes(config):
    write_launchers(config, "def find_launcher(r, t):\n    return None\n")
    with pytest.raises(LauncherNotFoundError):
        find_launcher("cpu()")
    write_launchers(config, """
        from experimaestro.launchers.direct import DirectLauncher

        def find_launcher(requirements, tags):
            return DirectLauncher(max_jobs=7)
    """)
    assert find_launcher("cpu()").max_jobs == 7


def test_launchers_py_that_fails_to_import(config):
    path = write_launchers(config, "import not_a_module_xyz\n")
    with pytest.raises(LaunchersFileError) as info:
        find_launcher("cpu()")
    assert str(info.value) == (
        f"{path}: could not be loaded: ModuleNotFoundError: No module named 'not_a_module_xyz'"
    )
    assert info.value.path == path
    assert isinstance(info.value.__cause__, ModuleNotFoundError)


def test_launchers_py_with_a_syntax_error(config):
    path = write_launchers(config, "def find_launcher(:\n")
    with pytest.raises(LaunchersFileError, match=f"^{path}: could not be loaded: SyntaxError"):
        find_launcher("cpu()")


def test_launchers_py_whose_function_raises(config):
    path = write_launchers(config, """
        def find_launcher(requirements, tags):
            raise KeyError("partition")
    """)
    with pytest.raises(LaunchersFileError) as info:
        find_launcher("cpu(cores=2)", tags={"x"})
    assert str(info.value) == (
        f"{path}: find_launcher('cpu(cores=2)', ['x']) raised KeyError: 'partition'"
    )
    assert isinstance(info.value.__cause__, KeyError)


def test_launchers_py_without_function(config):
    path = write_launchers(config, "x = 1\n")
    with pytest.raises(LaunchersFileError, match=f"^{path}: defines no find_launcher"):
        find_launcher("cpu()")


def test_config_dir_argument_wins_over_the_environment(config, tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    write_launchers(other, """
        from experimaestro.launchers.direct import DirectLauncher

        def find_launcher(requirements, tags):
            return DirectLauncher(max_jobs=11)
    """)
    write_launchers(config, "def find_launcher(r, t):\n    return None\n")
    assert find_launcher("cpu()", config_dir=other).max_jobs == 11


def test_set_config_dir_changes_where_launchers_py_is_read(config, tmp_path):
    """2.x's LauncherRegistry.set_config_dir: find_launcher and instance() read the
    launchers.py of that folder from then on; None goes back to the default."""
    other = tmp_path / "other"
    other.mkdir()
    write_launchers(other, """
        from experimaestro.launchers.direct import DirectLauncher

        def find_launcher(requirements, tags):
            return DirectLauncher(max_jobs=7)
    """)
    write_launchers(config, """
        from experimaestro.launchers.direct import DirectLauncher

        def find_launcher(requirements, tags):
            return DirectLauncher(max_jobs=2)
    """)
    try:
        LauncherRegistry.set_config_dir(other)
        assert LauncherRegistry.instance().config_dir == other
        assert find_launcher("cpu()").max_jobs == 7
        assert find_launcher("cpu()", config_dir=config).max_jobs == 2  # the argument wins
    finally:
        LauncherRegistry.set_config_dir(None)
    assert LauncherRegistry.instance().config_dir == config  # $XPM_CONFIG_DIR again
    assert find_launcher("cpu()").max_jobs == 2


def test_requirement_objects_and_errors(config, no_gpu):
    from experimaestro.launcherfinder import RequirementSyntaxError, cpu

    assert isinstance(find_launcher(cpu(cores=1)), DirectLauncher)
    with pytest.raises(RequirementSyntaxError):
        find_launcher("cpu(mem=4)")
    with pytest.raises(TypeError, match="expects requirement strings or HostRequirement"):
        find_launcher(3)
    with pytest.raises(ValueError, match="at least one requirement"):
        find_launcher()
