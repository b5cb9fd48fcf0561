"""A ``launchers.py`` sending jobs to the partitions of a Slurm cluster, from ``sinfo``.

Each kind of node of a partition becomes a HostSpecification (its CPUs, memory, GPUs and
time limit); ``find_launcher`` takes the first one that fits the requirement and returns
a SlurmLauncher for its partition, with the time, cores, memory and GPUs asked as sbatch
options.
"""

import textwrap
from typing import Dict, Iterable, List, Optional, Sequence

from experimaestro.launchers.slurm.sinfo import COMMAND as SINFO, NodeKind

from ..units import format_duration, human_size
from . import duration_code, quote, size_code, written_by

__all__ = ["slurm_launchers", "select"]

COMMAND = "launchers slurm configure"


def select(kinds: Sequence[NodeKind], partitions: Iterable[str] = ()) -> List[NodeKind]:
    """The node kinds to use, in order of preference: those of `partitions`, in that
    order; without `partitions`, those of the partitions that are up, the default
    partition first."""
    wanted = list(partitions)
    known = {kind.partition for kind in kinds}
    unknown = [name for name in wanted if name not in known]
    if unknown:
        raise ValueError(f"no partition {', '.join(unknown)} in this cluster (its partitions:"
                         f" {', '.join(sorted(known)) or 'none'})")
    if wanted:
        return sorted((k for k in kinds if k.partition in wanted),
                      key=lambda kind: wanted.index(kind.partition))
    chosen = [k for k in kinds if k.state == "up"]
    if not chosen:
        raise ValueError("no partition is up in this cluster (sinfo): name the partitions"
                         " to use with --partition")
    return sorted(chosen, key=lambda kind: not kind.default)  # stable: sinfo's order


def slurm_launchers(kinds: Sequence[NodeKind], *, gpu_memory: Optional[Dict[str, int]] = None,
                    options: Optional[Dict[str, str]] = None, binpath: str = "/usr/bin",
                    left_out: Sequence[NodeKind] = ()) -> str:
    """The text of a launchers.py for the node kinds `kinds` (in order of preference).
    `gpu_memory`: memory of the GPUs by type ("" for any type), which sinfo does not
    give; `options`: sbatch options of every job (account, qos...)."""
    gpu_memory = dict(gpu_memory or {})
    # GPU nodes take only GPU jobs, unless there is nowhere else to go
    gpu_only = any(not kind.gpus for kind in kinds)
    entries = [_entry(kind, gpu_memory, gpu_only) for kind in kinds]
    return TEMPLATE.format(
        docstring=_docstring(kinds, left_out, gpu_only),
        cuda=",\n    CudaSpecification" if any(kind.gpus for kind in kinds) else "",
        binpath=quote(binpath),
        options=", ".join(f"{name}={quote(value)}" for name, value in (options or {}).items()),
        partitions="\n".join(entries))


def _docstring(kinds, left_out, gpu_only) -> str:
    names = []
    for kind in kinds:
        name = kind.partition + (" (default)" if kind.default else "")
        if name not in names:
            names.append(name)
    text = [f"launchers.py for a Slurm cluster: partitions {', '.join(names)}.", "",
            written_by(COMMAND), f"From `{' '.join(SINFO)}`.", ""]
    text += _wrap("find_launcher() returns a SlurmLauncher for the first entry of PARTITIONS"
                  " (below) that fits the requirement, or None when none does. The job gets"
                  " the partition and, as sbatch options, the time it asks for (without a"
                  " duration: the partition's default time), its cores, memory and GPUs."
                  + (" Nodes with GPUs take only jobs asking for GPUs." if gpu_only else ""))
    text.append("")
    text += _wrap("Edit freely: reorder or remove entries, set the memory of the GPUs (sinfo"
                  " does not give it; 0 accepts any request), add sbatch options to OPTIONS"
                  " (account, qos...).")
    if left_out:
        text.append("")
        text += _wrap("Left out (not up): " + ", ".join(
            sorted({f"{kind.partition} ({kind.state})" for kind in left_out})) + ".")
    text += ["", 'Check it with:  experimaestro find-launchers "duration=1h & cpu(cores=1)"']
    return '"""' + "\n".join(text) + '\n"""'


def _wrap(text: str) -> List[str]:
    return textwrap.wrap(text, 88)


def _entry(kind: NodeKind, gpu_memory: Dict[str, int], gpu_only: bool) -> str:
    lines = [*textwrap.wrap(_describe(kind, gpu_memory), 88, initial_indent="    # ",
                            subsequent_indent="    #   "),
             f"    ({quote(kind.partition)}, HostSpecification(",
             (f"        cpu=CPUSpecification(cores={kind.cpus},"
              f" memory={size_code(kind.memory)}),")]
    if kind.gpus:
        groups = []
        for model, count in kind.gpus:
            memory = gpu_memory.get(model, gpu_memory.get("", 0))
            model_code = f", model={quote(model)}" if model else ""
            groups.append(f"[CudaSpecification(memory={size_code(memory)}{model_code})]"
                          f" * {count}")
        if len(groups) == 1:
            lines.append(f"        accelerators={groups[0]},")
        else:
            lines += ["        accelerators=(", f"            {groups[0]}",
                      *(f"            + {group}" for group in groups[1:]), "        ),"]
    if kind.max_time:
        lines.append(f"        max_duration={duration_code(kind.max_time)},")
    if kind.gpus and gpu_only:
        lines.append("        min_gpu=1,")
    lines.append("    )),")
    return "\n".join(lines)


def _describe(kind: NodeKind, gpu_memory: Dict[str, int]) -> str:
    """A comment line: e.g. `gpu (default): 4 nodes gpu[01-04], 4 GPUs a100 (memory
    unknown), 2d at most`."""
    nodes = f"{kind.nodes} node{'s' if kind.nodes != 1 else ''} {kind.nodelist}".rstrip()
    parts = [nodes, f"{kind.cpus} CPUs", f"{human_size(kind.memory)}"]
    for model, count in kind.gpus:
        memory = gpu_memory.get(model, gpu_memory.get("", 0))
        parts.append(f"{count} GPU{'s' if count != 1 else ''}" + (f" {model}" if model else "")
                     + (f" ({human_size(memory)})" if memory else " (memory unknown)"))
    parts.append(f"{format_duration(kind.max_time)} at most" if kind.max_time
                 else "no time limit")
    if kind.features:
        parts.append(f"features {','.join(kind.features)}")
    if kind.state != "up":
        parts.append(f"state {kind.state}")
    return f"{kind.partition}{' (default)' if kind.default else ''}: {', '.join(parts)}"


TEMPLATE = '''{docstring}

import math
from typing import Set

from experimaestro.launcherfinder import (
    CPUSpecification{cuda},
    HostRequirement,
    HostSpecification,
)
from experimaestro.launchers.slurm import SlurmLauncher, SlurmOptions, format_time

MiB = 1024**2
GiB = 1024**3
MINUTE, HOUR, DAY = 60, 3600, 86400

#: The folder of the Slurm commands
BINPATH = {binpath}
#: The sbatch options of every job
OPTIONS = SlurmOptions({options})

#: (partition, what one of its nodes offers to a job), by order of preference
PARTITIONS = [
{partitions}
]

# One launcher per partition and options: jobs asking for the same are submitted together
# (as job arrays)
_LAUNCHERS = {{}}


def _launcher(partition: str, **options) -> SlurmLauncher:
    key = (partition, *sorted(options.items()))
    if key not in _LAUNCHERS:
        _LAUNCHERS[key] = SlurmLauncher(
            options=OPTIONS.merge(partition=partition, **options), binpath=BINPATH)
    return _LAUNCHERS[key]


def _gpus(match):
    """--gpus-per-node: the number of GPUs, prefixed by their model when sinfo named it."""
    count = len(match.accelerators)
    models = {{host.model for _, host in match.accelerators}}
    if not count:
        return None
    return f"{{models.pop()}}:{{count}}" if len(models) == 1 and "" not in models else count


def find_launcher(requirements: HostRequirement, tags: Set[str] = set()):
    """A SlurmLauncher for the first partition that fits, or None."""
    for partition, node in PARTITIONS:
        match = requirements.match(node)
        if match is None:
            continue
        duration = match.requirement.duration
        return _launcher(
            partition,
            time=format_time(duration) if duration else None,
            cpus_per_task=match.cores or None,
            mem=f"{{math.ceil(match.memory / MiB)}}M" if match.memory else None,
            gpus_per_node=_gpus(match),
        )
    return None
'''
