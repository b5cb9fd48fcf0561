"""Writing a ``launchers.py``: from this host (``direct``), from a Slurm cluster (``slurm``).

The files are plain Python meant to be read and edited: numbers with their units, a
comment saying where each comes from. They are deterministic (no date), so that writing
again what is already there can be recognised.
"""

import json

__all__ = ["quote", "size_code", "duration_code", "written_by"]

KiB, MiB, GiB, TiB = 1024, 1024**2, 1024**3, 1024**4
MINUTE, HOUR, DAY = 60, 3600, 86400


def size_code(size: int) -> str:
    """A size as Python code, in the largest binary unit that keeps it exact."""
    for name, unit in (("TiB", TiB), ("GiB", GiB), ("MiB", MiB)):
        if size and size % unit == 0:
            return f"{size // unit} * {name}"
    return str(size)


def duration_code(seconds: int) -> str:
    """A duration in seconds as Python code (e.g. ``7 * DAY``)."""
    for name, unit in (("DAY", DAY), ("HOUR", HOUR), ("MINUTE", MINUTE)):
        if seconds and seconds % unit == 0:
            return f"{seconds // unit} * {name}"
    return str(seconds)


def quote(text: str) -> str:
    """A Python string literal, in double quotes."""
    return json.dumps(text)


def written_by(command: str) -> str:
    return f"Written by `experimaestro {command}`."
