"""The launchers.py files written for a host (direct) and for a Slurm cluster (from a
saved sinfo output): they load with the launcher finder and choose as they say."""

import re

import pytest

from experimaestro import experiment
from experimaestro.connectors.local import LocalConnector
from experimaestro.launcherfinder import (
    CPUSpecification,
    CudaSpecification,
    HostSpecification,
    LauncherNotFoundError,
    MPSSpecification,
    find_launcher,
)
from experimaestro.launcherfinder.generate.direct import direct_launchers
from experimaestro.launcherfinder.generate.slurm import select, slurm_launchers
from experimaestro.launchers.slurm import SlurmLauncher
from experimaestro.launchers.slurm.sinfo import SinfoError, parse, parse_gres, parse_time
from scheduler.helpers import intervals, max_overlap
from xpm_fixtures.tasks import Sleep

GiB = 1024**3

#: sinfo --noheader --exact --format='%P|%a|%l|%L|%D|%c|%m|%G|%f|%N' of a made-up cluster
SINFO = """\
cpu|up|3-00:00:00|1:00:00|10|64|256000|(null)|(null)|cpu[01-10]
gpu*|up|2-00:00:00|1:00:00|4|32|256000|gpu:a100:4(S:0-1)|a100,ib|gpu[01-04]
gpu*|up|2-00:00:00|1:00:00|2|16|128000|gpu:2|(null)|gpu[05-06]
mixed|up|infinite|n/a|1|16|128000|gpu:a100:2,gpu:v100:2|(null)|m1
old|down|infinite|n/a|3|8|32000|(null)|(null)|old[1-3]
"""


def _write(folder, text):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "launchers.py").write_text(text)
    return folder


@pytest.fixture
def connector(tmp_path, monkeypatch):
    """The local connector (where tokens live), in a temporary folder."""
    local = LocalConnector(tmp_path / "local")
    monkeypatch.setattr(LocalConnector, "_instance", local)
    return local


# -- sinfo ----------------------------------------------------------------------------


def test_sinfo_output_is_read():
    kinds = parse(SINFO)
    assert [(k.partition, k.default, k.state) for k in kinds] == [
        ("cpu", False, "up"), ("gpu", True, "up"), ("gpu", True, "up"),
        ("mixed", False, "up"), ("old", False, "down")]
    gpu = kinds[1]
    assert (gpu.nodes, gpu.cpus, gpu.memory, gpu.max_time, gpu.default_time) == \
        (4, 32, 256000 * 1024**2, 2 * 86400, 3600)
    assert gpu.gpus == (("a100", 4),) and gpu.features == ("a100", "ib")
    assert kinds[3].gpus == (("a100", 2), ("v100", 2)) and kinds[3].max_time == 0
    assert parse_gres("gpu:2(S:0,1),shard:8") == (("", 2),)
    assert parse_gres("(null)") == ()
    assert [parse_time(t) for t in ("30:00", "1:00:00", "5", "1-12", "2-03:04:05")] == \
        [1800, 3600, 300, 129600, 183845]
    with pytest.raises(SinfoError, match="line 2"):
        parse("cpu|up|1:00|1:00|1|2|100|(null)|(null)|n\nbad line\n")


def test_partitions_are_selected_default_first():
    kinds = parse(SINFO)
    assert [k.partition for k in select(kinds)] == ["gpu", "gpu", "cpu", "mixed"]
    assert [k.partition for k in select(kinds, ["old", "cpu"])] == ["old", "cpu"]
    with pytest.raises(ValueError, match="no partition nosuch .*its partitions: cpu, gpu"):
        select(kinds, ["nosuch"])


# -- Slurm ----------------------------------------------------------------------------


def test_slurm_file_sends_each_requirement_to_its_partition(tmp_path):
    kinds = parse(SINFO)
    chosen = select(kinds)
    text = slurm_launchers(chosen, gpu_memory={"a100": 80 * GiB}, binpath="/opt/slurm/bin",
                           options={"account": "team"},
                           left_out=[k for k in kinds if k not in chosen])
    assert "Left out (not up): old (down)." in text
    assert 'OPTIONS = SlurmOptions(account="team")' in text
    config = _write(tmp_path / "config", text)

    def launcher(spec):
        found = find_launcher(spec, config_dir=config)
        assert isinstance(found, SlurmLauncher) and found.binpath == "/opt/slurm/bin"
        return " ".join(found.options.args())

    # CPU jobs do not go to GPU nodes (the default partition): to cpu
    assert launcher("duration=2h & cpu(cores=8, mem=16GiB)") == (
        "--nodes=1 --time=02:00:00 --account=team --partition=cpu --mem=16384M"
        " --cpus-per-task=8")
    # GPUs of a known model: asked by model (memory known: 80GiB)
    assert launcher("duration=1h & cuda(mem=40GiB) * 2") == (
        "--nodes=1 --time=01:00:00 --account=team --partition=gpu --gpus-per-node=a100:2")
    # More memory than an a100: the GPUs whose memory sinfo does not give
    assert "--gpus-per-node=1" in launcher("duration=1h & cuda(mem=90GiB)")
    # Over the time limit of gpu: the partition without limit; two GPU models: a count
    assert launcher("duration=3d & cuda(mem=4GiB) * 3") == (
        "--nodes=1 --time=3-00:00:00 --account=team --partition=mixed --gpus-per-node=3")
    # No duration: the partition's default time (no --time)
    assert "--time" not in launcher("cpu(cores=1)")
    with pytest.raises(LauncherNotFoundError):
        find_launcher("cpu(cores=128)", config_dir=config)
    # Same options, same launcher (its jobs are submitted together, as arrays)
    assert find_launcher("cuda(mem=1GiB)", config_dir=config) is \
        find_launcher("cuda(mem=2GiB)", config_dir=config)


def test_gpu_nodes_take_any_job_when_there_is_nothing_else(tmp_path):
    kinds = [k for k in parse(SINFO) if k.partition == "gpu"]
    config = _write(tmp_path / "config", slurm_launchers(kinds))
    assert "min_gpu" not in (config / "launchers.py").read_text()
    found = find_launcher("cpu(cores=4)", config_dir=config)
    assert found.options.partition == "gpu" and found.options.gpus_per_node is None


# -- this host ------------------------------------------------------------------------


def test_direct_file_describes_the_host_and_takes_tokens(tmp_path, connector):
    host = HostSpecification(cpu=CPUSpecification(cores=8, memory=32 * GiB),
                             accelerators=[CudaSpecification(memory=24 * GiB)] * 2)
    text = direct_launchers(host, "box", reserve=4 * GiB, memory_unit=GiB)
    assert "MEMORY = 32 * GiB\nRESERVED = 4 * GiB" in text
    assert "CudaSpecification(memory=24 * GiB)," in text
    config = _write(tmp_path / "config", text)
    launcher = find_launcher("duration=1h & cpu(cores=2, mem=3.5GiB) & cuda(mem=8GiB)",
                             config_dir=config)
    assert repr(launcher) == "DirectLauncher(box-cores=2, box-memory=4, box-gpus=1)"
    # A job asking nothing takes one core
    assert repr(find_launcher("duration=1h", config_dir=config)) == \
        "DirectLauncher(box-cores=1)"
    # What the host has, less the reserve
    find_launcher("cpu(mem=28GiB)", config_dir=config)
    for too_much in ("cpu(mem=29GiB)", "cpu(cores=9)", "cuda(mem=1GiB) * 3"):
        with pytest.raises(LauncherNotFoundError):
            find_launcher(too_much, config_dir=config)


def test_direct_file_variants():
    mac = HostSpecification(cpu=CPUSpecification(cores=8, memory=16 * GiB),
                            accelerators=[MPSSpecification(memory=16 * GiB)])
    text = direct_launchers(mac, "mac")
    assert "MPSSpecification(memory=MEMORY - RESERVED)" in text and "GPUS_TOKEN" not in text
    plain = direct_launchers(mac, "mac", tokens=False)
    assert "LAUNCHER = DirectLauncher()" in plain and "createtoken" not in plain
    compile(plain, "plain", "exec")
    with pytest.raises(ValueError, match="nothing is left once 16 GiB are kept"):
        direct_launchers(mac, "mac", reserve=16 * GiB)


def test_direct_tokens_keep_jobs_within_the_host(tmp_path, connector):
    """Two jobs asking for all the cores run one after the other (without the tokens,
    the DirectLauncher would run two jobs at once on two cores)."""
    host = HostSpecification(cpu=CPUSpecification(cores=2, memory=8 * GiB))
    config = _write(tmp_path / "config", direct_launchers(host, "box"))
    launcher = find_launcher("cpu(cores=2)", config_dir=config)
    log = tmp_path / "log.txt"
    with experiment(tmp_path / "ws", "tokens", launcher=launcher):
        for x in (1, 2):
            Sleep.C(x=x, duration=1.0, log=log).submit()
    assert max_overlap(intervals(log)) == 1
    assert sorted(p.name for p in (tmp_path / "local" / "tokens").iterdir()) == ["box-cores"]


def test_generated_files_stay_the_same():
    """No date in the files: writing again what is there changes nothing."""
    host = HostSpecification(cpu=CPUSpecification(cores=2, memory=8 * GiB))
    assert direct_launchers(host, "box") == direct_launchers(host, "box")
    assert not re.search(r"\d{4}-\d\d-\d\d", direct_launchers(host, "box"))
