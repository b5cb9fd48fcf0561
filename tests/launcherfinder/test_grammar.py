"""Requirement strings: every documented example, sizes, durations, alternatives."""

import pytest

from experimaestro.launcherfinder.parser import parse
from experimaestro.launcherfinder.specs import (
    AcceleratorSpecification,
    CPUSpecification,
    CudaSpecification,
    HostSimpleRequirement,
    MPSSpecification,
    RequirementUnion,
)

GiB = 2**30
GB = 10**9


# --- the examples of the experimaestro 2.x documentation --------------------------------


def test_eight_cuda_gpus():
    req = parse("duration=40h & cpu(mem=700GiB) & cuda(mem=32GiB) * 8")
    assert isinstance(req, HostSimpleRequirement)
    assert req.duration == 40 * 3600
    assert req.cpu == CPUSpecification(memory=700 * GiB)
    assert req.accelerators == [CudaSpecification(memory=32 * GiB)] * 8
    assert req.cuda_gpus == req.accelerators


def test_two_cuda_gpus():
    req = parse("duration=40h & cpu(mem=700GiB) & cuda(mem=32GiB) * 2")
    assert req.duration == 144000
    assert req.cpu.memory == 700 * GiB
    assert req.accelerators == [CudaSpecification(memory=32 * GiB)] * 2


def test_cuda_or_mps():
    req = parse("duration=4h & cuda(mem=8GiB) | duration=4h & mps(mem=8GiB)")
    assert isinstance(req, RequirementUnion)
    first, second = req.requirements
    assert first == HostSimpleRequirement(
        duration=4 * 3600, accelerators=[CudaSpecification(memory=8 * GiB)]
    )
    assert second == HostSimpleRequirement(
        duration=4 * 3600, accelerators=[MPSSpecification(memory=8 * GiB)]
    )


def test_cuda_or_mps_split_string():
    # The form of the API reference (two string literals)
    req = parse(
        "duration=4h & cuda(mem=8GiB)"
        " | duration=4h & mps(mem=8GiB)"
    )
    assert [type(r.accelerators[0]) for r in req.requirements] == [CudaSpecification, MPSSpecification]


def test_generic_gpu():
    req = parse("duration=2h & gpu(mem=4GiB)")
    assert req.duration == 7200
    [acc] = req.accelerators
    assert type(acc) is AcceleratorSpecification and acc.memory == 4 * GiB
    assert acc.accelerator_type is None
    assert req.cuda_gpus == []


def test_cpu_cores_and_memory():
    req = parse("cpu(mem=2G, cores=4)")
    assert req.cpu == CPUSpecification(memory=2 * GB, cores=4)
    assert parse("cpu(cores=4, mem=2G)") == req
    assert parse("cpu()") == HostSimpleRequirement()
    assert parse("cpu(cores=1)").cpu.cores == 1


def test_mps_and_count_without_spaces():
    req = parse("mps(mem=16GiB)*2&duration=1d")
    assert req.accelerators == [MPSSpecification(memory=16 * GiB)] * 2
    assert req.duration == 86400


def test_accelerator_without_memory():
    assert parse("cuda()").accelerators == [CudaSpecification()]
    assert parse("gpu() * 3").accelerators == [AcceleratorSpecification()] * 3


def test_whitespace_is_free():
    assert parse("  duration = 2h  &  cpu ( mem = 4GiB , cores = 2 )  ") == parse(
        "duration=2h&cpu(mem=4GiB,cores=2)"
    )
    assert parse("cuda(mem=1G)\n| cpu(cores=1)") == parse("cuda(mem=1G) | cpu(cores=1)")


# --- sizes: G and M are powers of 10, GiB and MiB powers of 2 --------------------------


@pytest.mark.parametrize(
    "text, size",
    [
        ("1G", 10**9), ("1GiB", 2**30), ("1M", 10**6), ("1MiB", 2**20),
        ("1T", 10**12), ("1TiB", 2**40), ("1K", 10**3), ("1KiB", 2**10),
        ("700GiB", 700 * 2**30), ("32G", 32 * 10**9), ("1.5GiB", 3 * 2**29),
        ("512MiB", 2**29), ("0.5G", 5 * 10**8),
    ],
)
def test_sizes(text, size):
    assert parse(f"cpu(mem={text})").cpu.memory == size
    assert parse(f"cuda(mem={text})").accelerators[0].memory == size


def test_g_and_gib_differ():
    assert parse("cpu(mem=4G)").cpu.memory == 4_000_000_000
    assert parse("cpu(mem=4GiB)").cpu.memory == 4_294_967_296


# --- durations ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, seconds",
    [
        ("2h", 7200), ("2hours", 7200), ("1hour", 3600),
        ("3d", 3 * 86400), ("3days", 3 * 86400), ("1day", 86400),
        ("30m", 1800), ("30min", 1800), ("30mins", 1800), ("30minutes", 1800),
        ("45s", 45), ("1w", 7 * 86400), ("2weeks", 14 * 86400),
        ("1.5h", 5400), ("40h", 144000),
    ],
)
def test_durations(text, seconds):
    assert parse(f"duration={text}").duration == seconds


@pytest.mark.parametrize(
    "text, seconds",
    [
        # the long forms 2.x accepts: a space between the number and its unit
        ("4 days", 4 * 86400), ("4 d", 4 * 86400), ("4\tdays", 4 * 86400),
        ("2 hours", 7200), ("2 h", 7200), ("3 mins", 180), ("3 min", 180),
        ("1 minute", 60), ("45 s", 45), ("1.5 h", 5400),
    ],
)
def test_durations_with_a_space_before_the_unit(text, seconds):
    assert parse(f"duration={text}").duration == seconds
    assert parse(f"duration = {text} & cpu(cores=2)").duration == seconds


def test_a_duration_with_a_space_prints_without():
    assert str(parse("duration=4 days & cuda(mem=8GiB) * 2")) == "duration=4d & cuda(mem=8GiB)*2"


def test_durations_in_a_conjunction_take_the_max():
    assert parse("duration=2h & duration=3h & duration=90m").duration == 3 * 3600


# --- alternatives ---------------------------------------------------------------------


def test_alternatives_keep_their_order():
    req = parse("cuda(mem=8GiB) | mps(mem=8GiB) | cpu(cores=8)")
    assert [str(r) for r in req.requirements] == ["cuda(mem=8GiB)", "mps(mem=8GiB)", "cpu(cores=8)"]


def test_and_binds_tighter_than_or():
    req = parse("duration=1h & cpu(cores=1) | cuda(mem=1G) & duration=2h")
    assert [r.duration for r in req.requirements] == [3600, 7200]
    assert req.requirements[0].accelerators == []
    assert req.requirements[1].cpu == CPUSpecification()


# --- str() gives back a requirement string --------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "duration=40h & cpu(mem=700GiB) & cuda(mem=32GiB)*8",
        "duration=4h & cuda(mem=8GiB) | duration=4h & mps(mem=8GiB)",
        "duration=2h & gpu(mem=4GiB)",
        "cpu(mem=2G, cores=4)",
        "cpu()",
        "duration=90m & cuda(mem=16GiB) & cuda(mem=8GiB)*2",
        "cpu(mem=1500M) & gpu()",
        "duration=45s & cpu(mem=1.5K)",
    ],
)
def test_str_round_trip(text):
    req = parse(text)
    assert parse(str(req)) == req
    assert str(parse(str(req))) == str(req)


def test_str_is_canonical():
    assert str(parse("cuda(mem=32GiB) * 2 & duration = 2days & cpu(cores=4, mem=2048MiB)")) == (
        "duration=2d & cpu(mem=2GiB, cores=4) & cuda(mem=32GiB)*2"
    )
    assert str(parse("duration=3600s")) == "duration=1h"
    assert str(parse("duration=90s")) == "duration=90s"


def test_parse_expects_a_string():
    with pytest.raises(TypeError, match="expects a string"):
        parse(3)
