"""A ``launchers.py`` running jobs on this host, within what it has (cores, memory, GPUs).

The jobs of every experiment of the user on the host share counter tokens (files of the
local connector): a job waits until the cores, memory and GPUs it asks for are free.
"""

import textwrap
from typing import List

from ..host import describe
from ..specs import AcceleratorType, HostSpecification
from ..units import human_size
from . import GiB, MiB, quote, size_code, written_by

__all__ = ["direct_launchers", "RESERVE", "MEMORY_UNIT"]

COMMAND = "launchers direct generate"
#: memory left to the system by default (2.x's default too)
RESERVE = 2 * GiB
#: memory per token unit by default (2.x's default too)
MEMORY_UNIT = 256 * MiB


def direct_launchers(host: HostSpecification, hostname: str, *, reserve: int = RESERVE,
                     memory_unit: int = MEMORY_UNIT, tokens: bool = True) -> str:
    """The text of a launchers.py for `host`, keeping `reserve` bytes for the system."""
    total = host.cpu.memory
    if total and total <= reserve:
        raise ValueError(f"this host has {human_size(total)} of memory: nothing is left once"
                         f" {human_size(reserve)} are kept for the system (see --reserve)")
    if memory_unit <= 0:
        raise ValueError("the memory unit must be positive")
    cuda = [a for a in host.accelerators if a.accelerator_type is AcceleratorType.CUDA]
    mps = any(a.accelerator_type is AcceleratorType.MPS for a in host.accelerators)
    memory_tokens = tokens and total > 0
    head = [_docstring(host, hostname, reserve, memory_unit, memory_tokens, cuda, tokens),
            _imports(cuda, mps, tokens),
            _host(host, reserve, cuda, mps)]
    if tokens:
        head.append(_tokens(hostname, host.cpu.cores, memory_unit if memory_tokens else 0,
                            len(cuda)))
        tail = TOKEN_FINDER.format(
            memory="        (MEMORY_TOKEN, -(-match.memory // MEMORY_UNIT)),\n" if memory_tokens
            else "",
            gpus="        (GPUS_TOKEN, len(match.requirement.accelerators)),\n" if cuda else "")
    else:
        tail = PLAIN_FINDER
    return "\n\n".join(head) + "\n\n\n" + tail


def _docstring(host, hostname, reserve, unit, memory_tokens, cuda, tokens) -> str:
    text = [f"launchers.py for {hostname}: {describe(host)}.", "",
            written_by(COMMAND), "",
            *_wrap("Jobs whose requirement fits this host run here (DirectLauncher). For the"
                   " other requirements, find_launcher() returns None, and experimaestro's"
                   " find_launcher() raises LauncherNotFoundError (edit find_launcher() below"
                   " to send them elsewhere)."), ""]
    if tokens:
        text += _wrap("The jobs of all the experiments run on this host share counters"
                      " (tokens, in the tokens folder of the local connector): a job waits"
                      " until what it asks for is free.")
        text += _wrap(f"- cores: {host.cpu.cores}; a job takes the cores it asks for"
                      " (cpu(cores=N)), at least 1;", bullet=True)
        if memory_tokens:
            text += _wrap(f"- memory: units of {human_size(unit)}"
                          f" ({human_size(reserve)} of the memory kept for the system); a job"
                          " takes the memory it asks for, rounded up (none if it asks"
                          " none);", bullet=True)
        if cuda:
            text += _wrap(f"- GPUs: {len(cuda)}; a job takes the GPUs it asks for (the"
                          " tokens count them: they do not choose which GPU a job sees).",
                          bullet=True)
        text.append("")
    text.append('Check it with:  experimaestro find-launchers "duration=1h & cpu(cores=1)"')
    return '"""' + "\n".join(text) + '\n"""'


def _wrap(text: str, bullet: bool = False) -> List[str]:
    if bullet:
        return textwrap.wrap(text, 88, initial_indent="  ", subsequent_indent="    ")
    return textwrap.wrap(text, 88)


def _imports(cuda, mps, tokens) -> str:
    names = ["CPUSpecification", "HostRequirement", "HostSpecification"]
    if cuda:
        names.append("CudaSpecification")
    if mps:
        names.append("MPSSpecification")
    lines = ["from typing import Set", ""]
    if tokens:
        lines.append("from experimaestro.connectors.local import LocalConnector")
    lines += ["from experimaestro.launcherfinder import ("]
    lines += [f"    {name}," for name in sorted(names)]
    lines += [")", "from experimaestro.launchers.direct import DirectLauncher", "",
              "MiB = 1024**2", "GiB = 1024**3"]
    return "\n".join(lines)


def _host(host, reserve, cuda, mps) -> str:
    total = host.cpu.memory
    memory = "MEMORY - RESERVED" if total else "0  # unknown: not checked"
    accelerators = [f"CudaSpecification(memory={size_code(gpu.memory)}"
                    + (f", model={quote(gpu.model)}" if gpu.model else "") + ")" for gpu in cuda]
    if mps:
        accelerators.append("MPSSpecification(memory=MEMORY - RESERVED)  # unified memory")
    lines = []
    if total:
        lines += [f"#: The memory of this host ({human_size(total)}), and what is kept for"
                  f" the system\nMEMORY = {size_code(total)}",
                  f"RESERVED = {size_code(reserve)}", ""]
    lines += ["#: What this host offers to the jobs",
              "HOST = HostSpecification(",
              f"    cpu=CPUSpecification(cores={host.cpu.cores}, memory={memory}),"]
    if accelerators:
        lines.append("    accelerators=[")
        lines += [f"        {a}," for a in accelerators]
        lines.append("    ],")
    lines.append(")")
    return "\n".join(lines)


def _tokens(hostname: str, cores: int, unit: int, gpus: int) -> str:
    lines = ["# The tokens of this host (named after it: a home folder shared by several",
             "# hosts holds the tokens of each)",
             "_CONNECTOR = LocalConnector.instance()",
             f"CORES_TOKEN = _CONNECTOR.createtoken({quote(hostname + '-cores')}, {cores})"]
    if unit:
        lines = [f"#: The memory token counts units of {human_size(unit)}",
                 f"MEMORY_UNIT = {size_code(unit)}", ""] + lines
        lines.append(f"MEMORY_TOKEN = _CONNECTOR.createtoken({quote(hostname + '-memory')},"
                     " (MEMORY - RESERVED) // MEMORY_UNIT)")
    if gpus:
        lines.append(f"GPUS_TOKEN = _CONNECTOR.createtoken({quote(hostname + '-gpus')}, {gpus})")
    return "\n".join(lines)


TOKEN_FINDER = '''class TokenLauncher(DirectLauncher):
    """A DirectLauncher whose jobs each take some units of tokens: [(token, units)...]."""

    def __init__(self, needs):
        super().__init__()
        self.needs = [(token, units) for token, units in needs if units > 0]

    def onSubmit(self, job):
        job.config.add_dependencies(*(token.dependency(units) for token, units in self.needs))

    def __repr__(self):
        needs = ", ".join(f"{{token.name}}={{units}}" for token, units in self.needs)
        return f"DirectLauncher({{needs}})"


# One launcher per kind of job: the jobs asking for the same share it
_LAUNCHERS = {{}}


def find_launcher(requirements: HostRequirement, tags: Set[str] = set()):
    """A launcher running the job here, or None when this host cannot run it."""
    match = requirements.match(HOST)
    if match is None:
        return None
    needs = (
        (CORES_TOKEN, max(1, match.cores)),
{memory}{gpus}    )
    key = tuple(units for _, units in needs)
    if key not in _LAUNCHERS:
        _LAUNCHERS[key] = TokenLauncher(needs)
    return _LAUNCHERS[key]
'''

PLAIN_FINDER = '''# One launcher for all the jobs: at most one job per core runs at once
LAUNCHER = DirectLauncher()


def find_launcher(requirements: HostRequirement, tags: Set[str] = set()):
    """The launcher running jobs here, or None when this host cannot run the job."""
    if requirements.match(HOST) is None:
        return None
    return LAUNCHER
'''
