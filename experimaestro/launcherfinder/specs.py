"""Requirements (what a task asks for) and host specifications (what a host offers).

A requirement is a disjunction (``|``) of simple requirements; a simple requirement joins
(``&``) a duration, a CPU part and a list of accelerators. ``requirement.match(host)``
says whether a host can run it, and how well (``MatchRequirement.score``).

All sizes are in bytes and durations in seconds. On the host side, 0 means "not limited"
(unknown memory, no maximum duration, no minimum number of GPUs...).
"""

import enum
import math
from abc import ABC, abstractmethod
from typing import List, Optional, Sequence, Tuple, Union

import attrs

__all__ = [
    "AcceleratorType",
    "AcceleratorSpecification",
    "CudaSpecification",
    "MPSSpecification",
    "CPUSpecification",
    "HostSpecification",
    "HostRequirement",
    "HostSimpleRequirement",
    "RequirementUnion",
    "MatchRequirement",
    "cpu",
    "cuda_gpu",
    "mps_gpu",
    "gpu",
    "duration",
]


class AcceleratorType(enum.Enum):
    """Types of accelerators supported."""

    CUDA = "cuda"
    MPS = "mps"


# --- accelerators ---------------------------------------------------------------------


@attrs.frozen
class AcceleratorSpecification:
    """Generic accelerator (GPU): as a requirement, any accelerator type with enough memory.

    As a host accelerator, ``memory`` is what it has (0: unknown, not checked) and
    ``min_memory`` the smallest request it accepts (to keep big GPUs for big jobs).
    """

    #: Memory in bytes
    memory: int = 0
    #: Model name (a requirement with a model only matches that model)
    model: str = ""
    #: Minimum request memory (in bytes)
    min_memory: int = 0

    @property
    def accelerator_type(self) -> Optional[AcceleratorType]:
        """Type of accelerator (None for generic)."""
        return None

    @property
    def unified_memory(self) -> bool:
        """If True, memory is shared with the CPU (e.g., Apple Silicon)."""
        return False

    @property
    def keyword(self) -> str:
        """The name of this accelerator in requirement strings."""
        return "gpu"

    def match(self, spec: "AcceleratorSpecification") -> bool:
        """True if this (host) accelerator can satisfy the requested ``spec``.

        A generic request (``AcceleratorSpecification``) accepts any type; a typed one
        (``CudaSpecification``, ``MPSSpecification``) only the same type. The memory
        request must be at most ``memory`` (unless 0) and at least ``min_memory``.
        """
        wanted = spec.accelerator_type
        if wanted is not None and wanted is not self.accelerator_type:
            return False
        if spec.model and spec.model != self.model:
            return False
        if self.memory and spec.memory > self.memory:
            return False
        return spec.memory >= self.min_memory

    def __mul__(self, count: int) -> "HostSimpleRequirement":
        return HostSimpleRequirement(accelerators=[self]) * count

    __rmul__ = __mul__

    def __and__(self, other):
        return HostSimpleRequirement(accelerators=[self]) & other

    def __or__(self, other):
        return HostSimpleRequirement(accelerators=[self]) | other

    def __str__(self):
        args = f"mem={_units().format_size(self.memory)}" if self.memory else ""
        return f"{self.keyword}({args})"


@attrs.frozen
class CudaSpecification(AcceleratorSpecification):
    """NVIDIA CUDA GPU (dedicated memory); only matches CUDA GPUs."""

    @property
    def accelerator_type(self) -> AcceleratorType:
        return AcceleratorType.CUDA

    @property
    def keyword(self) -> str:
        return "cuda"


@attrs.frozen
class MPSSpecification(AcceleratorSpecification):
    """Apple Metal Performance Shaders (unified memory: GPU memory is CPU RAM).

    Only matches MPS. When a task asks for GPU memory on an MPS host, that memory is
    taken from the system RAM.
    """

    @property
    def accelerator_type(self) -> AcceleratorType:
        return AcceleratorType.MPS

    @property
    def unified_memory(self) -> bool:
        return True

    @property
    def keyword(self) -> str:
        return "mps"


# --- CPU and host ---------------------------------------------------------------------


@attrs.frozen
class CPUSpecification:
    """CPU part of a requirement (what is asked) or of a host (what it offers)."""

    #: Memory in bytes
    memory: int = 0
    #: Number of cores
    cores: int = 0
    #: Host only: memory per CPU (0 if not defined) - asking for memory takes cores
    mem_per_cpu: int = 0
    #: Host only: number of CPU per GPU (0 if not defined) - at most that many cores per GPU
    cpu_per_gpu: int = 0

    def __and__(self, other: "CPUSpecification") -> "CPUSpecification":
        return CPUSpecification(
            memory=max(self.memory, other.memory), cores=max(self.cores, other.cores)
        )

    def __str__(self):
        args = []
        if self.memory:
            args.append(f"mem={_units().format_size(self.memory)}")
        if self.cores:
            args.append(f"cores={self.cores}")
        return f"cpu({', '.join(args)})"


@attrs.define
class HostSpecification:
    """What a host (a machine, a Slurm partition...) offers.

    ``cuda=`` is kept for compatibility: those GPUs are added to ``accelerators``.
    """

    #: All accelerators (GPUs) available on this host
    accelerators: List[AcceleratorSpecification] = attrs.field(factory=list, kw_only=True)
    #: CUDA GPUs (backwards compatibility, merged into accelerators)
    cuda: List[CudaSpecification] = attrs.field(factory=list, kw_only=True)
    #: CPU specification for this host
    cpu: CPUSpecification = attrs.field(factory=CPUSpecification, kw_only=True)
    #: Priority for this host (higher better)
    priority: int = attrs.field(default=0, kw_only=True)
    #: Max job duration (in seconds, 0: no limit)
    max_duration: int = attrs.field(default=0, kw_only=True)
    #: Minimum number of allocated GPUs (requests with fewer GPUs do not match)
    min_gpu: int = attrs.field(default=0, kw_only=True)

    def __attrs_post_init__(self):
        accelerators = list(self.accelerators)
        cuda = list(self.cuda)
        # attrs.evolve() passes the merged list again: do not add the CUDA GPUs twice
        tail = accelerators[len(accelerators) - len(cuda):] if cuda else []
        if not (len(tail) == len(cuda) and all(a is b for a, b in zip(tail, cuda))):
            accelerators.extend(cuda)
        self.accelerators = accelerators
        self.cuda = cuda


@attrs.frozen
class MatchRequirement:
    """A successful match of a simple requirement on a host.

    ``accelerators`` pairs each requested accelerator with the host accelerator it uses;
    ``cores`` and ``memory`` are the cores and RAM to allocate (the request, raised by
    the host's ``mem_per_cpu``, and including GPU memory taken from RAM on MPS).
    """

    score: float
    requirement: "HostSimpleRequirement"
    host: Optional[HostSpecification] = None
    accelerators: Tuple[Tuple[AcceleratorSpecification, AcceleratorSpecification], ...] = ()
    cores: int = 0
    memory: int = 0


# --- requirements ---------------------------------------------------------------------


class HostRequirement(ABC):
    """A requirement: a disjunction of host requirements (alternatives, by priority)."""

    @property
    @abstractmethod
    def requirements(self) -> List["HostSimpleRequirement"]:
        """List of requirements (by order of priority)."""

    @abstractmethod
    def match(self, host: HostSpecification) -> Optional[MatchRequirement]:
        """The best match of an alternative on ``host`` (None if none fits)."""

    @abstractmethod
    def multiply_duration(self, coefficient: float) -> "HostRequirement":
        """A new requirement whose durations are multiplied by ``coefficient``."""

    def why_not(self, host: HostSpecification) -> Optional[str]:
        """Why no alternative fits on ``host`` (None when one does)."""
        reasons = []
        for req in self.requirements:
            fit = req.fit(host)
            if not isinstance(fit, str):
                return None
            reasons.append(fit if len(self.requirements) == 1 else f"{req}: {fit}")
        return "; ".join(reasons)

    def __or__(self, other: "HostRequirement") -> "RequirementUnion":
        other = _as_requirement(other)
        if other is NotImplemented:
            return NotImplemented
        return RequirementUnion(*self.requirements, *other.requirements)

    def __and__(self, other: "HostRequirement") -> "HostRequirement":
        other = _as_requirement(other)
        if other is NotImplemented:
            return NotImplemented
        alternatives = [HostSimpleRequirement(a, b)
                        for a in self.requirements for b in other.requirements]
        return alternatives[0] if len(alternatives) == 1 else RequirementUnion(*alternatives)


def _as_requirement(value):
    if isinstance(value, HostRequirement):
        return value
    if isinstance(value, AcceleratorSpecification):
        return HostSimpleRequirement(accelerators=[value])
    if isinstance(value, CPUSpecification):
        return HostSimpleRequirement(cpu=value)
    return NotImplemented


@attrs.define(init=False, eq=True, repr=False)
class HostSimpleRequirement(HostRequirement):
    """A single host requirement: CPU, accelerators and duration.

    ``HostSimpleRequirement(a, b, ...)`` joins requirements as ``a & b & ...`` does: the
    largest memory, cores and duration, and the accelerators of all.
    """

    #: Specification for CPU
    cpu: CPUSpecification
    #: Specification for accelerators (GPUs)
    accelerators: List[AcceleratorSpecification]
    #: Requested duration (in seconds, 0: not given)
    duration: int

    def __init__(self, *reqs: "HostSimpleRequirement", cpu: Optional[CPUSpecification] = None,
                 accelerators: Sequence[AcceleratorSpecification] = (), duration: int = 0):
        self.cpu = cpu if cpu is not None else CPUSpecification()
        self.accelerators = list(accelerators)
        self.duration = duration
        for req in reqs:
            if not isinstance(req, HostSimpleRequirement):
                raise TypeError(
                    f"HostSimpleRequirement() joins simple requirements, not {req!r} "
                    "(use & to join alternatives)"
                )
            self.cpu = self.cpu & req.cpu
            self.accelerators.extend(req.accelerators)
            self.duration = max(self.duration, req.duration)

    @property
    def requirements(self) -> List["HostSimpleRequirement"]:
        return [self]

    @property
    def cuda_gpus(self) -> List[CudaSpecification]:
        """CUDA GPUs (backwards compatibility alias): the CUDA accelerators only."""
        return [a for a in self.accelerators if isinstance(a, CudaSpecification)]

    def multiply_duration(self, coefficient: float) -> "HostSimpleRequirement":
        return HostSimpleRequirement(
            cpu=self.cpu, accelerators=self.accelerators,
            duration=int(round(self.duration * coefficient)),
        )

    def __mul__(self, count: int) -> "HostSimpleRequirement":
        if not isinstance(count, int) or isinstance(count, bool):
            return NotImplemented
        if count < 1:
            raise ValueError(f"cannot ask for {count} times {self}: the count must be at least 1")
        if self.cpu != CPUSpecification() or self.duration:
            raise ValueError(
                f"* repeats accelerators: use it on cuda_gpu(), mps_gpu() or gpu() alone, not on {self}"
            )
        return HostSimpleRequirement(accelerators=self.accelerators * count)

    __rmul__ = __mul__

    def match(self, host: HostSpecification) -> Optional[MatchRequirement]:
        """How this requirement fits on ``host`` (None if it does not). In order:

        1. the duration is at most ``host.max_duration`` (if not 0);
        2. each requested accelerator gets its own host accelerator, largest requests
           first, each taking the smallest host accelerator that fits (type, memory,
           ``min_memory``);
        3. at least ``host.min_gpu`` accelerators are requested;
        4. the CPU memory, plus the GPU memory taken on unified-memory (MPS)
           accelerators, is at most the host memory (or, when the host memory is not
           given, the unified memory of its accelerators);
        5. the cores (raised to memory / ``mem_per_cpu``) are at most the host cores,
           and at most ``cpu_per_gpu`` per requested accelerator.

        The score is the host priority.
        """
        fit = self.fit(host)
        return None if isinstance(fit, str) else fit

    def fit(self, host: HostSpecification) -> Union[MatchRequirement, str]:
        """The match on ``host``, or why it does not fit (see :meth:`match`)."""
        if host.max_duration and self.duration > host.max_duration:
            return (f"a duration of {_seconds(self.duration)} is more than the"
                    f" {_seconds(host.max_duration)} the host allows")
        pairs = _pair_accelerators(self.accelerators, host.accelerators)
        if pairs is None:
            wanted = ", ".join(str(a) for a in self.accelerators)
            have = ", ".join(str(a) for a in host.accelerators) or "none"
            return f"the GPUs asked for ({wanted}) are not there (the host has: {have})"
        if len(self.accelerators) < host.min_gpu:
            return f"the host only takes jobs asking for at least {host.min_gpu} GPU(s)"

        memory = self.cpu.memory + sum(req.memory for req, acc in pairs if acc.unified_memory)
        total = host.cpu.memory or max(
            (acc.memory for acc in host.accelerators if acc.unified_memory), default=0
        )
        if total and memory > total:
            return (f"{_units().human_size(memory)} of memory is more than the host's"
                    f" {_units().human_size(total)}")

        cores = self.cpu.cores
        if host.cpu.mem_per_cpu:
            cores = max(cores, math.ceil(memory / host.cpu.mem_per_cpu))
        available = host.cpu.cores
        if host.cpu.cpu_per_gpu and self.accelerators:
            per_gpu = host.cpu.cpu_per_gpu * len(self.accelerators)
            available = min(available, per_gpu) if available else per_gpu
        if available and cores > available:
            return f"{cores} cores are more than the host's {available}"

        return MatchRequirement(
            score=host.priority, requirement=self, host=host,
            accelerators=tuple(pairs), cores=cores, memory=memory,
        )

    def __str__(self):
        parts = []
        if self.duration:
            parts.append(f"duration={_units().format_duration(self.duration)}")
        if self.cpu != CPUSpecification():
            parts.append(str(self.cpu))
        # Consecutive equal accelerators are written once with *N
        i = 0
        while i < len(self.accelerators):
            j = i
            while j < len(self.accelerators) and self.accelerators[j] == self.accelerators[i]:
                j += 1
            text = str(self.accelerators[i])
            parts.append(text if j - i == 1 else f"{text}*{j - i}")
            i = j
        return " & ".join(parts) if parts else "cpu()"

    def __repr__(self):
        return f"HostSimpleRequirement({str(self)!r})"


class RequirementUnion(HostRequirement):
    """Alternatives (``a | b``), by order of priority."""

    def __init__(self, *requirements: HostRequirement):
        self._requirements: List[HostSimpleRequirement] = []
        for req in requirements:
            self._requirements.extend(req.requirements)

    @property
    def requirements(self) -> List[HostSimpleRequirement]:
        return list(self._requirements)

    def match(self, host: HostSpecification) -> Optional[MatchRequirement]:
        """The best-scoring matching alternative (the first one on a tie)."""
        best = None
        for req in self._requirements:
            match = req.match(host)
            if match is not None and (best is None or match.score > best.score):
                best = match
        return best

    def multiply_duration(self, coefficient: float) -> "RequirementUnion":
        return RequirementUnion(*(r.multiply_duration(coefficient) for r in self._requirements))

    def __eq__(self, other):
        if not isinstance(other, RequirementUnion):
            return NotImplemented
        return self._requirements == other._requirements

    __hash__ = None

    def __str__(self):
        return " | ".join(str(r) for r in self._requirements)

    def __repr__(self):
        return f"RequirementUnion({str(self)!r})"


def _seconds(value: float) -> str:
    hours = value / 3600
    return f"{hours:g}h" if hours >= 1 else f"{value:g}s"


def _pair_accelerators(requested, available):
    """Pairs (request, host accelerator), each host accelerator used once, or None.

    Largest requests come first, and each prefers the smallest host accelerator that
    fits; augmenting paths (Kuhn's algorithm) then make sure that a full assignment is
    found whenever one exists.
    """
    if not requested:
        return []
    if len(requested) > len(available):
        return None
    order = sorted(range(len(requested)), key=lambda i: -requested[i].memory)
    by_size = sorted(range(len(available)), key=lambda j: available[j].memory or math.inf)
    candidates = {i: [j for j in by_size if available[j].match(requested[i])] for i in order}
    owner = {}  # host accelerator -> request

    def assign(i, seen):
        for j in candidates[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in owner or assign(owner[j], seen):
                owner[j] = i
                return True
        return False

    for i in order:
        if not assign(i, set()):
            return None
    pairs = {i: j for j, i in owner.items()}
    return [(requested[i], available[pairs[i]]) for i in range(len(requested))]


# --- builders -------------------------------------------------------------------------


def _units():
    from . import units

    return units


def _size(value: Union[int, str, None]) -> int:
    if value is None:
        return 0
    if isinstance(value, str):
        return _units().parse_size(value)
    return int(value)


def cpu(*, mem: Union[int, str, None] = None, cores: int = 0) -> HostSimpleRequirement:
    """A CPU requirement: ``mem`` in bytes or as a size string (``"4GiB"``), ``cores``."""
    return HostSimpleRequirement(cpu=CPUSpecification(memory=_size(mem), cores=cores))


def cuda_gpu(*, mem: Union[int, str, None] = None) -> HostSimpleRequirement:
    """One CUDA GPU with at least ``mem`` memory (``cuda_gpu(mem="8GiB") * 2`` for two)."""
    return HostSimpleRequirement(accelerators=[CudaSpecification(memory=_size(mem))])


def mps_gpu(*, mem: Union[int, str, None] = None) -> HostSimpleRequirement:
    """One Apple MPS GPU with at least ``mem`` (unified) memory."""
    return HostSimpleRequirement(accelerators=[MPSSpecification(memory=_size(mem))])


def gpu(*, mem: Union[int, str, None] = None) -> HostSimpleRequirement:
    """One accelerator of any type with at least ``mem`` memory."""
    return HostSimpleRequirement(accelerators=[AcceleratorSpecification(memory=_size(mem))])


def duration(value: Union[int, str]) -> HostSimpleRequirement:
    """A duration: seconds, or a string such as ``"4h"`` or ``"2days"``."""
    seconds = _units().parse_duration(value) if isinstance(value, str) else int(value)
    return HostSimpleRequirement(duration=seconds)
