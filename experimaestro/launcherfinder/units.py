"""Sizes and durations: reading ``4GiB`` / ``2h`` and writing them back (no lark here).

Sizes follow experimaestro 2.x: ``G``, ``M``, ``T``, ``K`` are powers of 10 (``4G`` is
4,000,000,000 bytes) and ``GiB``, ``MiB``, ``TiB``, ``KiB`` powers of 2 (``4GiB`` is
4 × 2³⁰ = 4,294,967,296 bytes).
"""

import re
from typing import Optional, Tuple

__all__ = [
    "RequirementSyntaxError",
    "SIZE_UNITS",
    "DURATION_UNITS",
    "parse_size",
    "parse_duration",
    "format_size",
    "format_duration",
]

SIZE_UNITS = {
    "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
    "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
}

_MINUTE, _HOUR, _DAY = 60, 3600, 86400
DURATION_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": _MINUTE, "min": _MINUTE, "mins": _MINUTE, "minute": _MINUTE, "minutes": _MINUTE,
    "h": _HOUR, "hour": _HOUR, "hours": _HOUR,
    "d": _DAY, "day": _DAY, "days": _DAY,
    "w": 7 * _DAY, "week": 7 * _DAY, "weeks": 7 * _DAY,
}

_SIZE_HELP = "sizes are written <N>G or <N>M (powers of 10: 1G = 10^9 bytes), or <N>GiB or " \
             "<N>MiB (powers of 2: 1GiB = 2^30 bytes); T, TiB, K and KiB work too"
_DURATION_HELP = "units: s, m/min/mins, h/hours, d/days, w/weeks"

_QUANTITY = re.compile(r"\s*(?P<number>[0-9]+(?:\.[0-9]+)?)[ \t]*(?P<unit>[A-Za-z]*)\s*$")


class RequirementSyntaxError(ValueError):
    """A requirement string that cannot be read.

    ``str(error)`` quotes the string with a caret under ``position`` (0-based index in
    ``expr``). ``reason`` is the first line of the message, and ``expected`` what would
    have been accepted at that position (when known).
    """

    def __init__(self, expr: str, position: int, reason: str, expected=()):
        self.expr = expr
        self.position = position
        self.reason = reason
        self.expected = list(expected)
        super().__init__(self._render())

    def _render(self) -> str:
        # Show the line that holds the position (requirement strings are one line, usually)
        start = self.expr.rfind("\n", 0, self.position) + 1
        end = self.expr.find("\n", self.position)
        line = self.expr[start:] if end < 0 else self.expr[start:end]
        column = self.position - start
        # Tabs would move the caret: keep them in the caret line
        pad = "".join("\t" if c == "\t" else " " for c in line[:column])
        return f"{self.reason} (column {column + 1})\n  {line}\n  {pad}^"


def _split(text: str) -> Tuple[str, str, int, int]:
    """(number, unit, start of number, start of unit) of a quantity such as '4GiB'."""
    m = _QUANTITY.match(text)
    if m is None:
        raise RequirementSyntaxError(text, 0, f"expected a number followed by a unit, found {text!r}")
    return m.group("number"), m.group("unit"), m.start("number"), m.start("unit")


def _number(number: str) -> float:
    return float(number) if "." in number else int(number)


def parse_size(text: str, *, expr: Optional[str] = None, offset: int = 0) -> int:
    """Bytes of a size such as ``'4GiB'`` (``expr`` and ``offset`` locate it in a longer string)."""
    number, unit, nstart, ustart = _split(text)
    expr = text if expr is None else expr
    if unit and ustart > nstart + len(number):
        # (only durations take a space before their unit, as in 2.x: `duration=4 days`)
        raise RequirementSyntaxError(
            expr, offset + ustart,
            f"a memory size is written without a space before its unit: {number}{unit}",
            expected=list(SIZE_UNITS),
        )
    if not unit:
        raise RequirementSyntaxError(
            expr, offset + ustart,
            f"memory size {number} has no unit: write {number}G ({number} x 10^9 bytes) or "
            f"{number}GiB ({number} x 2^30 bytes)",
            expected=list(SIZE_UNITS),
        )
    factor = SIZE_UNITS.get(unit)
    if factor is None:
        close = [known for known in SIZE_UNITS if known[0] == unit[0].upper()]
        hint = f" (did you mean {' or '.join(close)}?)" if close else ""
        raise RequirementSyntaxError(
            expr, offset + ustart, f"unknown size unit {unit!r}{hint}: {_SIZE_HELP}",
            expected=list(SIZE_UNITS),
        )
    return int(round(_number(number) * factor))


def parse_duration(text: str, *, expr: Optional[str] = None, offset: int = 0) -> int:
    """Seconds of a duration such as ``'4h'`` or ``'2days'``."""
    number, unit, nstart, ustart = _split(text)
    expr = text if expr is None else expr
    if not unit:
        raise RequirementSyntaxError(
            expr, offset + ustart,
            f"duration {number} has no unit: write e.g. {number}h ({_DURATION_HELP})",
            expected=["s", "m", "h", "d", "w"],
        )
    factor = DURATION_UNITS.get(unit)
    if factor is None:
        raise RequirementSyntaxError(
            expr, offset + ustart, f"unknown duration unit {unit!r}: {_DURATION_HELP}",
            expected=["s", "m", "h", "d", "w"],
        )
    return int(round(_number(number) * factor))


def format_size(size: int) -> str:
    """The shortest exact form of a size, in the requirement syntax (e.g. ``'4GiB'``)."""
    if size == 0:
        return "0M"
    for unit in ("TiB", "T", "GiB", "G", "MiB", "M", "KiB", "K"):
        factor = SIZE_UNITS[unit]
        if size % factor == 0:
            return f"{size // factor}{unit}"
    # Not a whole number of kilobytes: a decimal number of K (exact enough to read back)
    return f"{size / 1000!r}K"


def format_duration(seconds: int) -> str:
    """A duration in the requirement syntax (e.g. ``'40h'``, ``'3d'``, ``'90m'``)."""
    for unit, factor in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds and seconds % factor == 0:
            return f"{seconds // factor}{unit}"
    return f"{seconds}s"


def human_size(size: int) -> str:
    """A size for messages, in binary units (e.g. ``'23.5 GiB'``)."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{_three_digits(value)} {unit}"
        value /= 1024


def _three_digits(value: float) -> str:
    """At least 3 significant digits, never in exponent notation (1000, not 1e+03)."""
    text = f"{value:.{max(0, 3 - len(str(int(value))))}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
