"""SlurmOptions: the sbatch options of a launcher (each non-None field is ``--field-name=value``)."""

from typing import List, Optional

import attrs

__all__ = ["SlurmOptions", "format_time"]


def format_time(duration_s: float) -> str:
    """Slurm time format: ``D-HH:MM:SS`` (or ``HH:MM:SS`` under one day)."""
    total = int(round(duration_s))
    if total < 0:
        raise ValueError(f"format_time: negative duration {duration_s}")
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}-{hours:02d}:{minutes:02d}:{seconds:02d}"
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


@attrs.define(frozen=True, kw_only=True)
class SlurmOptions:
    """sbatch options. ``signal`` (e.g. ``"USR1@120"``) asks Slurm to warn the job before its
    time limit: the job runner turns it into :class:`GracefulTimeout`."""

    #: Number of requested nodes
    nodes: Optional[int] = 1
    #: Requested time (Slurm format, e.g. "4:00:00" or "1-00:00:00")
    time: Optional[str] = None
    #: The account for launching the job
    account: Optional[str] = None
    #: The requested Quality of Service
    qos: Optional[str] = None
    #: The requested partition
    partition: Optional[str] = None
    #: Logic expression on node features
    constraint: Optional[str] = None
    #: Requested memory on the node (in megabytes by default)
    mem: Optional[str] = None
    #: List of hosts to exclude
    exclude: Optional[str] = None
    #: Requested memory per allocated GPU (size with units K, M, G or T)
    mem_per_gpu: Optional[str] = None
    #: Number of cpus requested per task
    cpus_per_task: Optional[str] = None
    #: Request a specific list of hosts
    nodelist: Optional[str] = None
    #: Number of tasks to run on each node
    ntasks_per_node: Optional[int] = None
    #: Number of GPUs
    gpus: Optional[int] = None
    #: Number of GPUs per node
    gpus_per_node: Optional[int] = None
    #: Signal sent before the time limit, "SIG@seconds" (the job runner raises GracefulTimeout)
    signal: Optional[str] = None

    def args(self) -> List[str]:
        """The sbatch arguments."""
        out = []
        for a in attrs.fields(type(self)):
            value = getattr(self, a.name)
            if value is None:
                continue
            if a.name == "signal":
                value = value if value.startswith("B:") else f"B:{value}"
            out.append(f"--{a.name.replace('_', '-')}={value}")
        return out

    def merge(self, **kwargs) -> "SlurmOptions":
        known = [a.name for a in attrs.fields(type(self))]
        unknown = sorted(set(kwargs) - set(known))
        if unknown:
            import difflib

            hints = []
            for name in unknown:
                close = difflib.get_close_matches(name, known, n=1)
                hints.append(f"{name} (did you mean {close[0]}?)" if close else name)
            raise TypeError(f"SlurmOptions: unknown option(s) {', '.join(hints)};"
                            f" known: {', '.join(known)}")
        return attrs.evolve(self, **kwargs)

    format_time = staticmethod(format_time)
