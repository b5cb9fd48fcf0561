"""What a Slurm cluster offers, read from ``sinfo``: its partitions and their nodes.

One line of ``sinfo --exact`` per partition and kind of node (nodes with the same CPUs,
memory, GPUs and features), in a fixed text format: it has not changed across Slurm
versions, unlike ``sinfo --json``.
"""

import re
import shutil
import subprocess
from pathlib import Path
from typing import List, Optional, Tuple

import attrs

__all__ = ["NodeKind", "SinfoError", "COMMAND", "parse", "parse_gres", "parse_time", "read"]

#: partition (* = default), availability, time limit, default time, node count, CPUs
#: and memory (MB, that is MiB) per node, GRES, features, node names
FORMAT = "%P|%a|%l|%L|%D|%c|%m|%G|%f|%N"
COMMAND = ["sinfo", "--noheader", "--exact", f"--format={FORMAT}"]
MiB = 1024**2

_GPU = re.compile(r"(?:^|,)gpu(?::([^:(),]+))?:(\d+)")


class SinfoError(RuntimeError):
    """sinfo failed, or printed something that cannot be read."""


@attrs.frozen
class NodeKind:
    """Nodes of a partition that are alike: what one of them offers to one job."""

    partition: str
    #: the partition jobs go to when they name none
    default: bool
    #: "up", "down", "drain" or "inact"
    state: str
    #: longest time of a job, in seconds (0: no limit)
    max_time: int
    #: time of a job that asks none, in seconds (0: the partition's limit)
    default_time: int
    nodes: int
    cpus: int
    #: bytes (0: unknown)
    memory: int
    #: (GPU type, or "" when Slurm names none; GPUs per node)
    gpus: Tuple[Tuple[str, int], ...] = ()
    features: Tuple[str, ...] = ()
    nodelist: str = ""

    @property
    def gpu_count(self) -> int:
        return sum(count for _, count in self.gpus)


def parse_time(text: str) -> int:
    """A Slurm time (``[D-]HH:MM:SS``, ``MM:SS``, ``MM``, ``infinite``) in seconds; 0 for
    no limit."""
    text = text.strip()
    if text.lower() in ("infinite", "unlimited", "n/a", ""):
        return 0
    days, _, clock = text.rpartition("-")
    parts = [int(p) for p in clock.split(":")]
    if len(parts) > 3:
        raise ValueError(f"not a Slurm time: {text!r}")
    if days:
        # With days, the clock reads [HH[:MM[:SS]]]
        parts += [0] * (3 - len(parts))
        hours, minutes, seconds = parts
    else:
        # Without, MM, MM:SS or HH:MM:SS
        parts = [0] * (3 - len(parts)) + parts if len(parts) > 1 else [0, parts[0], 0]
        hours, minutes, seconds = parts
    return ((int(days or 0) * 24 + hours) * 60 + minutes) * 60 + seconds


def parse_gres(text: str) -> Tuple[Tuple[str, int], ...]:
    """The GPUs of a GRES string, e.g. ``gpu:a100:4(S:0-1),shard:8`` -> (("a100", 4),)."""
    return tuple((kind or "", int(count)) for kind, count in _GPU.findall(text.strip()))


def parse(text: str) -> List[NodeKind]:
    """The node kinds of an output of :data:`COMMAND`."""
    kinds = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) != FORMAT.count("|") + 1:
            raise SinfoError(f"sinfo output, line {number}: expected the fields {FORMAT},"
                             f" got {line!r}")
        try:
            kinds.append(_node_kind(fields))
        except ValueError as exc:
            raise SinfoError(f"sinfo output, line {number} ({line!r}): {exc}") from None
    return kinds


def _node_kind(fields: List[str]) -> NodeKind:
    partition, state, limit, default_time, nodes, cpus, memory, gres, features, nodelist = \
        (f.strip() for f in fields)
    features = () if features in ("(null)", "") else tuple(features.split(","))
    return NodeKind(
        partition=partition.rstrip("*"), default=partition.endswith("*"), state=state,
        max_time=parse_time(limit), default_time=parse_time(default_time),
        nodes=int(nodes), cpus=int(cpus.rstrip("+")),
        memory=int(memory.rstrip("+")) * MiB, gpus=parse_gres(gres), features=features,
        nodelist=nodelist)


def sinfo_path(binpath: Optional[str] = None) -> Path:
    """The sinfo command: in `binpath`, else on the PATH."""
    if binpath:
        return Path(binpath) / "sinfo"
    found = shutil.which("sinfo")
    if found is None:
        raise SinfoError("sinfo not found on the PATH: is this a Slurm cluster? (give the"
                         " folder of the Slurm commands with --binpath)")
    return Path(found)


def read(binpath: Optional[str] = None, timeout: float = 60) -> List[NodeKind]:
    """Run sinfo (from `binpath`, else the PATH) and read its answer."""
    command = [str(sinfo_path(binpath)), *COMMAND[1:]]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SinfoError(f"{' '.join(command)}: {exc}") from None
    if result.returncode != 0:
        raise SinfoError(f"{' '.join(command)} failed (exit code {result.returncode}):"
                         f" {result.stderr.strip()}")
    return parse(result.stdout)
