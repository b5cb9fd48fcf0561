"""Reading a sweep from its plain form (YAML, JSON): the inverse of ``to_plain()``.

A source is a mapping with one key::

    grid: {lr: [0.1, 0.01], depth: [1, 2]}
    fixed: {epochs: 10}
    sample: {n: 8, seed: 0, params: {dropout: {uniform: [0, 0.5]}}}
    product: [SOURCE, SOURCE, ...]       # also concat, zip

and a distribution a mapping with one key: ``uniform: [low, high]``,
``loguniform: [low, high]``, ``randint: [low, high]`` or ``choice: [a, b, ...]``.
Problems are reported all at once, each with its key path.
"""

import difflib
from typing import Any, Callable, Dict, List, Tuple

from experimaestro.yamlnodes import yaml_number

from .distributions import DISTRIBUTIONS
from .errors import KeyPath, SweepError
from .leaves import Fixed, Grid, Sample
from .sources import Concat, Product, Source, Zip

__all__ = ["from_plain", "SOURCE_KINDS"]

#: Words a user may try for a kind, and the kind we use (None: none is close)
_HINTS = {"random": "sample", "union": "concat", "chain": "concat", "cartesian": "product",
          "values": "fixed", "log_uniform": "loguniform", "int": "randint",
          "integer": "randint", "choices": "choice", "one_of": "choice", "prod": "product",
          "cat": "concat", "normal": None, "gaussian": None}

_SAMPLE_KEYS = ("n", "seed", "params")


def from_plain(data: Any) -> Source:
    """The source written as ``data``; raises SweepError listing every problem."""
    problems: List[Tuple[KeyPath, str]] = []
    source = _source(data, (), problems)
    if problems:
        raise SweepError(problems)
    return source


def _one_key(data, where: KeyPath, known, what: str, problems):
    """(key, value) of a mapping holding one of the ``known`` keys, or None."""
    listed = ", ".join(known)
    if not isinstance(data, dict) or len(data) != 1:
        shown = f"a mapping with the keys {', '.join(map(str, data))}" \
            if isinstance(data, dict) and data else repr(data)
        problems.append((where, f"expected {what}: a mapping with one key among {listed},"
                                f" got {shown}"))
        return None
    ((key, value),) = data.items()
    if key not in known:
        close = _HINTS[key] if key in _HINTS else next(
            iter(difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.75)), None)
        hint = f"; did you mean {close!r}?" if close else ""
        problems.append(((*where, key), f"unknown {what} {key!r}; expected one of: {listed}"
                                        f"{hint}"))
        return None
    return key, value


def _source(data, where: KeyPath, problems) -> Any:
    found = _one_key(data, where, list(_READERS), "source", problems)
    if found is None:
        return None
    kind, value = found
    return _READERS[kind](value, (*where, kind), problems)


def _build(problems, at: KeyPath, make: Callable[[], Any]):
    """``make()`` (a source or a distribution); the problems of its SweepError, whose
    key paths are relative to its own plain form (``{kind: ...}``), placed at ``at``,
    the key path of that form."""
    try:
        return make()
    except SweepError as exc:
        problems.extend(((*at, *path), message) for path, message in exc.problems)
        return None


def _mapping(value, where: KeyPath, what: str, problems) -> Dict[str, Any]:
    if not isinstance(value, dict) or not value:
        problems.append((where, f"expected a mapping of {what}, got {value!r}"))
        return {}
    return value


def _grid(value, where, problems):
    axes = _mapping(value, where, "parameter names to lists of values", problems)
    return _build(problems, where[:-1], lambda: Grid(axes)) if axes else None


def _fixed(value, where, problems):
    values = _mapping(value, where, "parameter names to values", problems)
    return _build(problems, where[:-1], lambda: Fixed(values)) if values else None


def _sample(value, where, problems):
    spec = _mapping(value, where, "n, seed and params", problems)
    if not spec:
        return None
    count = len(problems)
    for key in spec:
        if key not in _SAMPLE_KEYS:
            close = difflib.get_close_matches(str(key), _SAMPLE_KEYS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(((*where, key), f"unknown key {key!r} in a sample; expected:"
                                            f" n, seed, params{hint} (the parameters go"
                                            f" under params)"))
    for key, what in (("n", "the number of cases, e.g. n: 8"),
                      ("seed", "a whole number seeding the draws, e.g. seed: 0"),
                      ("params", "the parameters, each with its distribution")):
        if key not in spec:
            problems.append((where, f"missing {key!r}: {what}"))
    distributions = _mapping(spec.get("params"), (*where, "params"),
                             "parameter names to distributions", problems) \
        if "params" in spec else {}
    drawn = {}
    for name, written in distributions.items():
        distribution = _distribution(written, (*where, "params", name), problems)
        if distribution is not None:
            drawn[name] = distribution
    if len(problems) > count:
        return None
    return _build(problems, where[:-1], lambda: Sample(spec["n"], drawn, seed=spec["seed"]))


def _distribution(data, where: KeyPath, problems) -> Any:
    found = _one_key(data, where, list(DISTRIBUTIONS), "distribution", problems)
    if found is None:
        return None
    kind, arguments = found
    cls = DISTRIBUTIONS[kind]
    if kind == "choice":
        return _build(problems, where, lambda: cls(arguments))
    if not isinstance(arguments, list) or len(arguments) != 2:
        problems.append(((*where, kind), f"expected [low, high], got {arguments!r}"))
        return None
    low, high = (_number(value) for value in arguments)
    return _build(problems, where, lambda: cls(low, high))


def _number(value):
    """A number written as a string (YAML 1.1 reads ``1e-4`` as one) read as a number;
    anything else as it is."""
    number = yaml_number(value)
    return value if number is None else number


def _combination(cls):
    def read(value, where, problems):
        if not isinstance(value, list) or not value:
            problems.append((where, f"expected a non-empty list of sources, got {value!r}"))
            return None
        count = len(problems)
        sources = [_source(item, (*where, i), problems) for i, item in enumerate(value)]
        if len(problems) > count:
            return None
        return _build(problems, where[:-1], lambda: cls(*sources))

    return read


_READERS = {"grid": _grid, "fixed": _fixed, "sample": _sample, "product": _combination(Product),
            "concat": _combination(Concat), "zip": _combination(Zip)}

#: The keys of a source's plain form
SOURCE_KINDS = tuple(_READERS)
