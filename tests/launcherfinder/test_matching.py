"""Matching a requirement against a host specification."""

from experimaestro.launcherfinder import (
    AcceleratorSpecification,
    CPUSpecification,
    CudaSpecification,
    HostSpecification,
    MPSSpecification,
)
from experimaestro.launcherfinder.parser import parse

GiB = 2**30
HOUR = 3600


def cuda_host(*memories, **kwargs):
    return HostSpecification(accelerators=[CudaSpecification(memory=m * GiB) for m in memories],
                             **kwargs)


# --- accelerators ---------------------------------------------------------------------


def test_no_gpu_requirement_matches_a_host_without_gpu():
    match = parse("cpu(cores=2)").match(HostSpecification(accelerators=[]))
    assert match is not None and match.accelerators == ()


def test_gpu_requirement_needs_gpus():
    assert parse("cuda(mem=1GiB)").match(HostSpecification()) is None


def test_gpu_count():
    host = cuda_host(24, 24)
    assert parse("cuda(mem=8GiB)*2").match(host) is not None
    assert parse("cuda(mem=8GiB)*3").match(host) is None


def test_gpu_memory():
    host = cuda_host(24)
    assert parse("cuda(mem=24GiB)").match(host) is not None
    assert parse("cuda(mem=25GiB)").match(host) is None
    # 24G (powers of 10) < 24GiB
    assert parse("cuda(mem=25G)").match(host) is not None


def test_largest_requests_get_the_largest_gpus():
    # A 40GiB and a 12GiB GPU: the 30GiB request must take the large one, even when the
    # small request comes first in the string
    host = cuda_host(12, 40)
    match = parse("cuda(mem=10GiB) & cuda(mem=30GiB)").match(host)
    assert match is not None
    assert [(req.memory // GiB, acc.memory // GiB) for req, acc in match.accelerators] == [
        (10, 12), (30, 40)
    ]
    assert parse("cuda(mem=30GiB)*2").match(host) is None


def test_smallest_fitting_gpu_is_used():
    host = cuda_host(80, 16)
    [(req, acc)] = parse("cuda(mem=8GiB)").match(host).accelerators
    assert acc.memory == 16 * GiB


def test_min_memory_keeps_big_gpus_for_big_requests():
    host = HostSpecification(accelerators=[CudaSpecification(memory=80 * GiB, min_memory=40 * GiB)])
    assert parse("cuda(mem=8GiB)").match(host) is None
    assert parse("cuda(mem=40GiB)").match(host) is not None
    assert parse("cuda(mem=64GiB)").match(host) is not None


def test_min_memory_with_a_full_assignment():
    # 40GiB must go to the big GPU (min_memory 32GiB) and 8GiB to the small one
    host = HostSpecification(accelerators=[
        CudaSpecification(memory=80 * GiB, min_memory=32 * GiB), CudaSpecification(memory=48 * GiB),
    ])
    match = parse("cuda(mem=8GiB) & cuda(mem=40GiB)").match(host)
    assert [(r.memory // GiB, a.memory // GiB) for r, a in match.accelerators] == [(8, 48), (40, 80)]


def test_assignment_found_when_greedy_would_fail():
    # Requests 20 and 10; GPUs [25 with min 15] and [22]: largest-first smallest-fit gives
    # 20 -> 22, then 10 cannot use the 25 (min 15)... so 20 must take the 25
    host = HostSpecification(accelerators=[
        CudaSpecification(memory=25 * GiB, min_memory=15 * GiB), CudaSpecification(memory=22 * GiB),
    ])
    match = parse("cuda(mem=20GiB) & cuda(mem=10GiB)").match(host)
    assert match is not None
    assert sorted((r.memory // GiB, a.memory // GiB) for r, a in match.accelerators) == [
        (10, 22), (20, 25)
    ]


def test_host_gpu_without_memory_is_not_limited():
    host = HostSpecification(accelerators=[CudaSpecification()])
    assert parse("cuda(mem=200GiB)").match(host) is not None


def test_cuda_matches_only_cuda():
    assert parse("cuda(mem=4GiB)").match(HostSpecification(accelerators=[MPSSpecification(memory=32 * GiB)])) is None
    assert parse("cuda(mem=4GiB)").match(HostSpecification(accelerators=[AcceleratorSpecification(memory=32 * GiB)])) is None


def test_mps_matches_only_mps():
    assert parse("mps(mem=4GiB)").match(cuda_host(32)) is None
    assert parse("mps(mem=4GiB)").match(HostSpecification(accelerators=[MPSSpecification(memory=32 * GiB)])) is not None


def test_generic_gpu_accepts_any_type():
    for acc in (CudaSpecification(memory=8 * GiB), MPSSpecification(memory=8 * GiB),
                AcceleratorSpecification(memory=8 * GiB)):
        host = HostSpecification(accelerators=[acc])
        match = parse("gpu(mem=4GiB)").match(host)
        assert match is not None, acc
        assert match.accelerators[0][1] is acc
    assert parse("gpu(mem=16GiB)").match(cuda_host(8)) is None


def test_generic_and_typed_requests_share_the_gpus():
    host = HostSpecification(accelerators=[CudaSpecification(memory=8 * GiB), MPSSpecification(memory=8 * GiB)])
    match = parse("gpu(mem=4GiB) & cuda(mem=4GiB)").match(host)
    assert match is not None
    assert {type(a) for _, a in match.accelerators} == {CudaSpecification, MPSSpecification}
    assert parse("gpu(mem=4GiB)*2 & cuda()").match(host) is None


def test_accelerator_match_method():
    host_acc = CudaSpecification(memory=16 * GiB, min_memory=2 * GiB)
    assert host_acc.match(CudaSpecification(memory=8 * GiB))
    assert host_acc.match(AcceleratorSpecification(memory=8 * GiB))
    assert not host_acc.match(MPSSpecification(memory=8 * GiB))
    assert not host_acc.match(CudaSpecification(memory=1 * GiB))
    assert not host_acc.match(CudaSpecification(memory=17 * GiB))


def test_model_in_a_request():
    host = HostSpecification(accelerators=[CudaSpecification(memory=GiB, model="A100")])
    assert CudaSpecification(model="A100").match(CudaSpecification(model="A100"))
    from experimaestro.launcherfinder import HostSimpleRequirement

    assert HostSimpleRequirement(accelerators=[CudaSpecification(model="A100")]).match(host)
    assert HostSimpleRequirement(accelerators=[CudaSpecification(model="V100")]).match(host) is None


# --- min_gpu --------------------------------------------------------------------------


def test_min_gpu():
    host = cuda_host(24, 24, min_gpu=1)
    assert parse("cpu(cores=1)").match(host) is None
    assert parse("cuda(mem=1GiB)").match(host) is not None
    assert parse("cuda(mem=1GiB)").match(cuda_host(24, 24, min_gpu=2)) is None
    assert parse("cuda(mem=1GiB)*2").match(cuda_host(24, 24, min_gpu=2)) is not None


# --- CPU ------------------------------------------------------------------------------


def test_cpu_memory_and_cores():
    host = HostSpecification(cpu=CPUSpecification(memory=64 * GiB, cores=16))
    assert parse("cpu(mem=64GiB, cores=16)").match(host) is not None
    assert parse("cpu(mem=65GiB)").match(host) is None
    assert parse("cpu(cores=17)").match(host) is None
    match = parse("cpu(mem=8GiB, cores=4)").match(host)
    assert (match.cores, match.memory) == (4, 8 * GiB)


def test_host_without_cpu_numbers_is_not_limited():
    assert parse("cpu(mem=700GiB, cores=128)").match(HostSpecification(accelerators=[])) is not None


def test_mem_per_cpu_turns_memory_into_cores():
    host = HostSpecification(cpu=CPUSpecification(memory=256 * GiB, cores=32, mem_per_cpu=4 * GiB))
    match = parse("cpu(mem=10GiB, cores=1)").match(host)
    assert match.cores == 3  # 10GiB / 4GiB per core, rounded up
    assert parse("cpu(mem=128GiB, cores=1)").match(host).cores == 32
    assert parse("cpu(mem=129GiB)").match(host) is None  # would need 33 cores


def test_cpu_per_gpu_limits_cores():
    host = HostSpecification(cpu=CPUSpecification(cores=64, cpu_per_gpu=8),
                             accelerators=[CudaSpecification()] * 4)
    assert parse("cuda() & cpu(cores=8)").match(host) is not None
    assert parse("cuda() & cpu(cores=9)").match(host) is None
    assert parse("cuda()*2 & cpu(cores=16)").match(host) is not None
    # Without GPU, only the host cores count
    assert parse("cpu(cores=64)").match(host) is not None


# --- unified memory (MPS) -------------------------------------------------------------


def test_mps_gpu_memory_is_taken_from_ram():
    host = HostSpecification(cpu=CPUSpecification(cores=8, memory=32 * GiB),
                             accelerators=[MPSSpecification(memory=32 * GiB)])
    assert parse("mps(mem=16GiB) & cpu(mem=16GiB)").match(host) is not None
    assert parse("mps(mem=16GiB) & cpu(mem=17GiB)").match(host) is None
    match = parse("mps(mem=10GiB) & cpu(mem=4GiB)").match(host)
    assert match.memory == 14 * GiB


def test_generic_gpu_on_mps_also_takes_ram():
    host = HostSpecification(cpu=CPUSpecification(memory=32 * GiB),
                             accelerators=[MPSSpecification(memory=32 * GiB)])
    assert parse("gpu(mem=20GiB) & cpu(mem=12GiB)").match(host) is not None
    assert parse("gpu(mem=20GiB) & cpu(mem=13GiB)").match(host) is None


def test_cuda_memory_is_not_taken_from_ram():
    host = HostSpecification(cpu=CPUSpecification(memory=32 * GiB),
                             accelerators=[CudaSpecification(memory=32 * GiB)])
    match = parse("cuda(mem=30GiB) & cpu(mem=30GiB)").match(host)
    assert match is not None and match.memory == 30 * GiB


def test_mps_without_host_ram_uses_the_unified_memory():
    host = HostSpecification(accelerators=[MPSSpecification(memory=16 * GiB)])
    assert parse("mps(mem=8GiB) & cpu(mem=8GiB)").match(host) is not None
    assert parse("mps(mem=8GiB) & cpu(mem=9GiB)").match(host) is None


# --- duration -------------------------------------------------------------------------


def test_max_duration():
    host = HostSpecification(max_duration=24 * HOUR)
    assert parse("duration=24h").match(host) is not None
    assert parse("duration=1d").match(host) is not None
    assert parse("duration=25h").match(host) is None
    assert parse("cpu()").match(host) is not None  # no duration asked
    assert parse("duration=100d").match(HostSpecification()) is not None  # no limit


def test_multiplied_duration_can_stop_matching():
    host = HostSpecification(max_duration=10 * HOUR)
    req = parse("duration=6h")
    assert req.match(host) is not None
    assert req.multiply_duration(2).match(host) is None


# --- unions and scores ----------------------------------------------------------------


def test_union_picks_a_matching_alternative():
    req = parse("duration=4h & cuda(mem=8GiB) | duration=4h & mps(mem=8GiB)")
    mac = HostSpecification(cpu=CPUSpecification(memory=32 * GiB),
                            accelerators=[MPSSpecification(memory=32 * GiB)])
    match = req.match(mac)
    assert match.requirement is req.requirements[1]
    assert req.match(cuda_host(16)).requirement is req.requirements[0]
    assert req.match(HostSpecification()) is None


def test_union_prefers_the_first_alternative_on_equal_scores():
    req = parse("cuda(mem=8GiB)*2 | cuda(mem=16GiB)")
    match = req.match(cuda_host(24, 24))
    assert match.requirement is req.requirements[0]


def test_score_is_the_host_priority():
    assert parse("cpu()").match(HostSpecification(priority=5)).score == 5
    match = parse("cpu()").match(HostSpecification())
    assert match.score == 0 and match.host == HostSpecification()


def test_seed_example_hosts():
    """The hosts of the launchers.py example of the experimaestro 2.x documentation."""
    cluster = HostSpecification(
        max_duration=100 * 3600,
        cpu=CPUSpecification(cores=32, memory=129 * (1024**3)),
        accelerators=[CudaSpecification(memory=24 * (1024**3)) for _ in range(8)],
    )
    mac = HostSpecification(
        cpu=CPUSpecification(cores=8, memory=32 * (1024**3)),
        accelerators=[MPSSpecification(memory=32 * (1024**3))],
    )
    no_gpu = HostSpecification(accelerators=[])

    req = parse("duration=40h & cpu(mem=100GiB) & cuda(mem=24GiB) * 8")
    assert req.match(no_gpu) is None
    match = req.match(cluster)
    assert len(match.requirement.accelerators) == 8
    assert req.match(mac) is None

    cross = parse("duration=4h & cuda(mem=8GiB) | duration=4h & mps(mem=8GiB)")
    assert cross.match(cluster).requirement.cuda_gpus
    assert not cross.match(mac).requirement.cuda_gpus
    assert parse("duration=2h & gpu(mem=4GiB)").match(mac) is not None
    assert parse("cpu(cores=4)").match(no_gpu) is not None
