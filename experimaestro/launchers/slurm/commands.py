"""Running Slurm commands asynchronously, with a time limit (never blocking the loop)."""

import asyncio
import os
from typing import Optional, Sequence


class SlurmCommandError(RuntimeError):
    """A Slurm command failed or timed out."""

    def __init__(self, command: str, message: str, returncode: Optional[int] = None):
        self.command = command
        self.returncode = returncode
        #: what the command said, on one line, without its "sbatch: error:" prefixes
        self.detail = one_line(command, message)
        super().__init__(f"{command}: {self.detail}")


def one_line(command: str, text: str) -> str:
    """The lines of a Slurm command's message, without the ``<command>: error:``
    prefixes it repeats on each line, joined on one line."""
    lines = []
    for line in text.splitlines():
        line = line.strip()
        for prefix in (f"{command}:", "error:"):
            if line.startswith(prefix):
                line = line[len(prefix):].strip()
        if line:
            lines.append(line)
    return "; ".join(lines)


async def run_command(binpath: str, name: str, args: Sequence[str], *, timeout: float = 60,
                      env: Optional[dict] = None, stdin: Optional[bytes] = None) -> str:
    """Run `binpath/name args`; returns stdout, raises SlurmCommandError on failure."""
    exe = os.path.join(binpath, name) if binpath else name
    try:
        process = await asyncio.create_subprocess_exec(
            exe, *args, stdin=asyncio.subprocess.PIPE if stdin is not None else
            asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE, env=env)
    except OSError as exc:
        raise SlurmCommandError(name, f"cannot run {exe}: {exc}") from exc
    try:
        out, err = await asyncio.wait_for(process.communicate(stdin), timeout)
    except asyncio.TimeoutError:
        process.kill()
        await process.wait()
        raise SlurmCommandError(name, f"no answer after {timeout:.0f}s") from None
    if process.returncode != 0:
        message = err.decode(errors="replace").strip() or out.decode(errors="replace").strip()
        raise SlurmCommandError(name, message or f"exit code {process.returncode}",
                                process.returncode)
    return out.decode(errors="replace")
