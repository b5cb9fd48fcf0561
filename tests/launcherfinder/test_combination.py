"""Combining requirements: &, *N, |, the builders, multiply_duration."""

import attrs
import pytest

from experimaestro.launcherfinder import (
    AcceleratorSpecification,
    CPUSpecification,
    CudaSpecification,
    HostSimpleRequirement,
    HostSpecification,
    MPSSpecification,
    RequirementUnion,
    cpu,
    cuda_gpu,
    duration,
    gpu,
    mps_gpu,
)
from experimaestro.launcherfinder.parser import parse

GiB = 2**30


def test_and_takes_the_max_of_memory_cores_and_duration():
    req = cpu(mem="4GiB", cores=8) & cpu(mem="16GiB", cores=2) & duration("2h") & duration("1h")
    assert req.cpu == CPUSpecification(memory=16 * GiB, cores=8)
    assert req.duration == 7200
    assert req == parse("cpu(mem=4GiB, cores=8) & cpu(mem=16GiB, cores=2) & duration=2h & duration=1h")


def test_and_concatenates_accelerators():
    req = cuda_gpu(mem="8GiB") & gpu(mem="4GiB") & cuda_gpu(mem="8GiB")
    assert req.accelerators == [
        CudaSpecification(memory=8 * GiB), AcceleratorSpecification(memory=4 * GiB),
        CudaSpecification(memory=8 * GiB),
    ]


def test_simple_requirement_constructor_joins():
    a, b = cpu(cores=2), cuda_gpu(mem="1G") & duration(60)
    assert HostSimpleRequirement(a, b) == a & b
    assert HostSimpleRequirement() == parse("cpu()")
    with pytest.raises(TypeError, match="use & to join alternatives"):
        HostSimpleRequirement(a | b)


def test_star_repeats_accelerators():
    assert (cuda_gpu(mem="8GiB") * 3).accelerators == [CudaSpecification(memory=8 * GiB)] * 3
    assert (2 * mps_gpu(mem="1G")).accelerators == [MPSSpecification(memory=10**9)] * 2
    assert cuda_gpu(mem="32GiB") * 8 & cpu(mem="700GiB") & duration("40h") == parse(
        "duration=40h & cpu(mem=700GiB) & cuda(mem=32GiB) * 8"
    )
    assert CudaSpecification(memory=GiB) * 2 == parse("cuda(mem=1GiB)*2")


def test_star_needs_a_positive_count_and_accelerators_only():
    with pytest.raises(ValueError, match="the count must be at least 1"):
        cuda_gpu() * 0
    with pytest.raises(ValueError, match=r"\* repeats accelerators"):
        cpu(cores=1) * 2
    with pytest.raises(TypeError):
        cuda_gpu() * 1.5


def test_or_builds_alternatives_in_order():
    req = cuda_gpu(mem="8GiB") & duration("4h") | mps_gpu(mem="8GiB") & duration("4h")
    assert isinstance(req, RequirementUnion)
    assert req == parse("duration=4h & cuda(mem=8GiB) | duration=4h & mps(mem=8GiB)")
    assert len((req | cpu(cores=1)).requirements) == 3


def test_and_distributes_over_alternatives():
    req = (cuda_gpu(mem="8GiB") | mps_gpu(mem="8GiB")) & duration("4h")
    assert req == parse("cuda(mem=8GiB) & duration=4h | mps(mem=8GiB) & duration=4h")


def test_specs_combine_with_requirements():
    assert CPUSpecification(memory=1, cores=4) & CPUSpecification(memory=2, cores=1) == \
        CPUSpecification(memory=2, cores=4)
    assert (CudaSpecification(memory=GiB) & cpu(cores=2)) == parse("cuda(mem=1GiB) & cpu(cores=2)")
    assert (CudaSpecification(memory=GiB) | gpu()).requirements[1] == gpu()


def test_builders():
    assert cpu(mem=1024, cores=2).cpu == CPUSpecification(memory=1024, cores=2)
    assert cpu(mem="2G").cpu.memory == 2 * 10**9
    assert cuda_gpu(mem="16GiB").accelerators == [CudaSpecification(memory=16 * GiB)]
    assert mps_gpu(mem="16GiB").accelerators == [MPSSpecification(memory=16 * GiB)]
    assert gpu(mem="16GiB").accelerators == [AcceleratorSpecification(memory=16 * GiB)]
    assert duration("3days").duration == 3 * 86400
    assert duration(90).duration == 90


def test_multiply_duration_simple():
    req = parse("duration=2h & cuda(mem=8GiB)")
    doubled = req.multiply_duration(2)
    assert doubled.duration == 4 * 3600
    assert doubled.accelerators == req.accelerators
    assert req.duration == 7200  # unchanged
    assert req.multiply_duration(1.1).duration == 7920
    assert req.multiply_duration(0.5).duration == 3600


def test_multiply_duration_union():
    req = parse("duration=1h & cuda(mem=8GiB) | duration=3h & cpu(cores=4)")
    tripled = req.multiply_duration(3)
    assert isinstance(tripled, RequirementUnion)
    assert [r.duration for r in tripled.requirements] == [3 * 3600, 9 * 3600]
    assert [r.duration for r in req.requirements] == [3600, 3 * 3600]
    assert str(tripled) == "duration=3h & cuda(mem=8GiB) | duration=9h & cpu(cores=4)"


def test_multiply_duration_without_duration():
    assert parse("cpu(cores=1)").multiply_duration(10).duration == 0


def test_requirements_property():
    single = parse("cpu(cores=1)")
    assert single.requirements == [single]
    union = parse("cpu(cores=1) | cuda()")
    assert [str(r) for r in union.requirements] == ["cpu(cores=1)", "cuda()"]


def test_host_specification_merges_cuda_into_accelerators():
    mps = MPSSpecification(memory=GiB)
    host = HostSpecification(accelerators=[mps], cuda=[CudaSpecification(memory=2 * GiB)] * 2)
    assert host.accelerators == [mps] + [CudaSpecification(memory=2 * GiB)] * 2
    assert host.cuda == [CudaSpecification(memory=2 * GiB)] * 2
    # attrs.evolve passes the merged list again: the GPUs are not added twice
    assert len(attrs.evolve(host, priority=3).accelerators) == 3
    assert HostSpecification().accelerators == [] and HostSpecification().cpu == CPUSpecification()


def test_host_specification_is_keyword_only():
    with pytest.raises(TypeError):
        HostSpecification([CudaSpecification()])


def test_accelerator_properties():
    assert CudaSpecification().accelerator_type.value == "cuda"
    assert MPSSpecification().accelerator_type.value == "mps"
    assert AcceleratorSpecification().accelerator_type is None
    assert MPSSpecification().unified_memory
    assert not CudaSpecification().unified_memory and not AcceleratorSpecification().unified_memory
