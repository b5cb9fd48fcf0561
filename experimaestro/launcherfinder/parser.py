"""Reading requirement strings such as ``"duration=4h & cpu(mem=8GiB) & cuda(mem=16GiB)*2"``.

The grammar is in ``grammar.lark``; lark is imported on the first call of :func:`parse`
(never when experimaestro is imported).
"""

from pathlib import Path
from typing import Dict

from experimaestro.larkparsers import lalr_parser

from .specs import (
    AcceleratorSpecification,
    CPUSpecification,
    CudaSpecification,
    HostRequirement,
    HostSimpleRequirement,
    MPSSpecification,
    RequirementUnion,
)
from .units import RequirementSyntaxError, parse_duration, parse_size

__all__ = ["parse", "RequirementSyntaxError"]

GRAMMAR = Path(__file__).with_name("grammar.lark")

_ACCELERATORS = {
    "cuda": CudaSpecification,
    "mps": MPSSpecification,
    "gpu": AcceleratorSpecification,
}

#: How the terminals of the grammar are shown in "expected ..." messages
_TERMINALS = {
    "DURATION": "duration=",
    "CPU": "cpu(",
    "CUDA": "cuda(",
    "MPS": "mps(",
    "GPU": "gpu(",
    "NAME": "an argument name (mem=, cores=)",
    "QUANTITY": "a number",
    "_AND": "'&'",
    "_OR": "'|'",
    "_EQUAL": "'='",
    "_LPAR": "'('",
    "_RPAR": "')'",
    "_COMMA": "','",
    "_TIMES": "'*'",
    "$END": "the end of the requirement",
}
_ORDER = list(_TERMINALS)

def _lark():
    return lalr_parser(GRAMMAR)


def parse(expr: str) -> HostRequirement:
    """Parse a requirement string into a :class:`HostRequirement`.

    ``|`` separates alternatives (by order of preference) and ``&`` joins the parts of
    an alternative: ``duration=<N><unit>``, ``cpu(mem=<size>, cores=<N>)``,
    ``cuda(mem=<size>)*<N>``, ``mps(mem=<size>)*<N>``, ``gpu(mem=<size>)*<N>``.
    Sizes: ``<N>G``/``<N>M`` (powers of 10) or ``<N>GiB``/``<N>MiB`` (powers of 2).

    One alternative gives a :class:`HostSimpleRequirement`, several a
    :class:`RequirementUnion`. Raises :class:`RequirementSyntaxError` (a ``ValueError``)
    with the position of the problem.
    """
    if not isinstance(expr, str):
        raise TypeError(f"parse() expects a string, not {type(expr).__name__}")
    from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

    try:
        tree = _lark().parse(expr)
    except UnexpectedToken as exc:
        token = exc.token
        if token.type == "$END":
            position = len(expr.rstrip())
            found = "the end of the requirement"
        else:
            position = token.start_pos
            found = repr(str(token))
        error = _syntax_error(expr, position, exc.accepts or exc.expected, found)
        if token.type == "_TIMES":
            error = RequirementSyntaxError(
                expr, position, error.reason + " (*N only repeats accelerators, as in cuda(mem=8GiB)*2)",
                error.expected,
            )
        raise error from None
    except UnexpectedCharacters as exc:
        found = repr(expr[exc.pos_in_stream])
        # What the parser accepts here (the lexer's `allowed` leaves out the end of input)
        parser = getattr(exc, "interactive_parser", None)
        expected = parser.accepts() if parser is not None else exc.allowed or ()
        raise _syntax_error(expr, exc.pos_in_stream, expected, found) from None
    except UnexpectedInput as exc:  # pragma: no cover - other lark errors
        position = getattr(exc, "pos_in_stream", None) or 0
        raise RequirementSyntaxError(expr, position, f"invalid requirement: {exc}") from None

    alternatives = [_alternative(expr, node) for node in tree.children]
    return alternatives[0] if len(alternatives) == 1 else RequirementUnion(*alternatives)


def _syntax_error(expr: str, position: int, expected, found: str) -> RequirementSyntaxError:
    terminals = sorted(set(expected), key=lambda t: _ORDER.index(t) if t in _TERMINALS else 99)
    names = list(dict.fromkeys(_TERMINALS.get(t, t) for t in terminals))
    if not expr.strip():
        reason = "empty requirement: expected e.g. cpu(cores=1), cuda(mem=8GiB) or duration=2h"
    elif names:
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        reason = f"invalid requirement: expected {listed}, found {found}"
    else:
        reason = f"invalid requirement: unexpected {found}"
    return RequirementSyntaxError(expr, position, reason, expected=names)


def _alternative(expr: str, node) -> HostSimpleRequirement:
    parts = []
    for child in node.children:
        kind = child.data
        if kind == "duration":
            _, quantity = child.children
            seconds = parse_duration(str(quantity), expr=expr, offset=quantity.start_pos)
            parts.append(HostSimpleRequirement(duration=seconds))
        elif kind == "cpu":
            _, arguments = child.children
            args = _arguments(expr, "cpu", arguments, {"mem": "size", "cores": "count"})
            parts.append(HostSimpleRequirement(
                cpu=CPUSpecification(memory=args.get("mem", 0), cores=args.get("cores", 0))
            ))
        else:  # accelerator
            keyword, arguments, count = child.children
            args = _arguments(expr, str(keyword), arguments, {"mem": "size"})
            n = 1 if count is None else _count(expr, count, "the number of accelerators")
            if n < 1:
                raise RequirementSyntaxError(
                    expr, count.start_pos,
                    f"the number of accelerators must be at least 1, found {count}",
                )
            spec = _ACCELERATORS[str(keyword)](memory=args.get("mem", 0))
            parts.append(HostSimpleRequirement(accelerators=[spec] * n))
    return HostSimpleRequirement(*parts)


def _arguments(expr: str, function: str, node, allowed: Dict[str, str]) -> Dict[str, int]:
    values: Dict[str, int] = {}
    for argument in (node.children if node is not None else []):
        name, quantity = argument.children
        key = str(name)
        if key not in allowed:
            usage = " or ".join(
                f"{k}=<size>" if kind == "size" else f"{k}=<N>" for k, kind in allowed.items()
            )
            raise RequirementSyntaxError(
                expr, name.start_pos, f"{function}() has no argument {key!r}: use {usage}",
                expected=[f"{k}=" for k in allowed],
            )
        if key in values:
            raise RequirementSyntaxError(
                expr, name.start_pos, f"argument {key!r} of {function}() is given twice"
            )
        if allowed[key] == "size":
            values[key] = parse_size(str(quantity), expr=expr, offset=quantity.start_pos)
        else:
            values[key] = _count(expr, quantity, f"{key} of {function}()")
    return values


def _count(expr: str, token, what: str) -> int:
    text = str(token)
    if not text.isdigit():
        raise RequirementSyntaxError(
            expr, token.start_pos, f"{what} must be a whole number, found {text!r}"
        )
    return int(text)

