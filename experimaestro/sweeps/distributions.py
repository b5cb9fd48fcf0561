"""Distributions of a random sweep, and the random generator of one value of one case.

Every value is drawn from its own generator, seeded from (the sweep's seed, the case's
index, the parameter's name) through SHA-256: case *i* is rebuilt from its index alone,
and adding a parameter leaves the values of the others as they were. Draws use only
``random.Random(seed_int).random()`` and ``getrandbits()``, whose results are the same
with every Python 3 version on every machine (see ``docs/concepts/sweeps.md``).
"""

import abc
import hashlib
import math
import random
from typing import Any, Sequence, Tuple

from .errors import SweepError

__all__ = ["Distribution", "Uniform", "LogUniform", "RandInt", "Choice", "DISTRIBUTIONS",
           "value_generator"]


def value_generator(seed: int, index: int, name: str) -> random.Random:
    """The generator of parameter ``name`` in case ``index`` of a sweep seeded ``seed``."""
    text = f"experimaestro-sweep:{seed}:{index}:{name}".encode("utf-8")
    return random.Random(int.from_bytes(hashlib.sha256(text).digest()[:8], "big"))


def _below(rng: random.Random, n: int) -> int:
    """A whole number in [0, n), uniformly (rejection over getrandbits)."""
    bits = n.bit_length()
    value = rng.getrandbits(bits)
    while value >= n:
        value = rng.getrandbits(bits)
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        and math.isfinite(value)


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Distribution(abc.ABC):
    """How one parameter of a random sweep is drawn: ``draw(rng)`` gives a value;
    ``to_plain()`` gives the YAML form (``{kind: arguments}``)."""

    __slots__ = ()
    #: The key of the YAML form
    kind = ""
    #: True when the values are numbers with decimals (checked against field types)
    gives_floats = False

    @abc.abstractmethod
    def draw(self, rng: random.Random) -> Any:
        """A value drawn with ``rng``."""

    def single(self) -> Tuple[Any, ...]:
        """(the value,) when the distribution holds one value, else ()."""
        return ()

    @abc.abstractmethod
    def arguments(self) -> Tuple[Any, ...]:
        """The arguments of the YAML form."""

    def to_plain(self):
        return {self.kind: list(self.arguments())}

    def __eq__(self, other):
        return type(other) is type(self) and other.arguments() == self.arguments()

    def __hash__(self):
        return hash((self.kind, repr(self.arguments())))

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(map(repr, self.arguments()))})"


class _Bounded(Distribution):
    """A distribution between two numbers."""

    __slots__ = ("low", "high")
    #: what each bound must be (for the error message)
    _expected = "a number"

    def __init__(self, low, high):
        problems = [((self.kind, i), f"{what}: expected {self._expected}, got {value!r}")
                    for i, (what, value) in enumerate((("low", low), ("high", high)))
                    if not self._accepts(value)]
        if not problems and not self._ordered(low, high):
            problems.append(((self.kind,), self._order_problem(low, high)))
        if problems:
            raise SweepError(problems)
        self.low, self.high = low, high

    def _accepts(self, value) -> bool:
        return _is_number(value)

    def _ordered(self, low, high) -> bool:
        return low < high

    def _order_problem(self, low, high) -> str:
        return f"low ({low!r}) must be below high ({high!r}); write [low, high]"

    def arguments(self):
        return (self.low, self.high)


class Uniform(_Bounded):
    """A number in [low, high), uniformly: ``{uniform: [low, high]}``."""

    __slots__ = ()
    kind = "uniform"
    gives_floats = True

    def draw(self, rng):
        return self.low + (self.high - self.low) * rng.random()


class LogUniform(_Bounded):
    """A number in [low, high) whose logarithm is uniform (learning rates, weight decays):
    ``{loguniform: [low, high]}``, 0 < low < high."""

    __slots__ = ()
    kind = "loguniform"
    gives_floats = True

    def _ordered(self, low, high):
        return 0 < low < high

    def _order_problem(self, low, high):
        if low <= 0 or high <= 0:
            bad = " and ".join(repr(bound) for bound in (low, high) if bound <= 0)
            return (f"the bounds must be positive numbers (the logarithm of {bad} is not"
                    f" defined), got [{low!r}, {high!r}]; use uniform for a range that"
                    f" includes 0 or negative numbers")
        return f"low ({low!r}) must be below high ({high!r}); write [low, high]"

    def draw(self, rng):
        start = math.log(self.low)
        return math.exp(start + (math.log(self.high) - start) * rng.random())


class RandInt(_Bounded):
    """A whole number between low and high, **both included**, uniformly:
    ``{randint: [low, high]}`` (as Python's ``random.randint``)."""

    __slots__ = ()
    kind = "randint"
    _expected = "a whole number"

    def _accepts(self, value):
        return _is_int(value)

    def _ordered(self, low, high):
        return low <= high

    def _order_problem(self, low, high):
        return f"low ({low!r}) must not be above high ({high!r}); write [low, high]"

    def draw(self, rng):
        return self.low + _below(rng, self.high - self.low + 1)

    def single(self):
        return (self.low,) if self.low == self.high else ()


class Choice(Distribution):
    """One of the given values, each as likely: ``{choice: [a, b, c]}``."""

    __slots__ = ("values",)
    kind = "choice"

    def __init__(self, values: Sequence[Any]):
        if isinstance(values, (str, bytes, dict)) or not hasattr(values, "__len__") \
                or not hasattr(values, "__getitem__") or len(values) == 0:
            raise SweepError([((self.kind,), f"expected a non-empty list of values to choose"
                                             f" from, got {values!r}")])
        self.values = tuple(values)

    def draw(self, rng):
        return self.values[_below(rng, len(self.values))]

    def single(self):
        return self.values if len(self.values) == 1 else ()

    def arguments(self):
        return self.values

    def __repr__(self):
        return f"Choice({list(self.values)!r})"


#: The distributions, by the key of their YAML form
DISTRIBUTIONS = {cls.kind: cls for cls in (Uniform, LogUniform, RandInt, Choice)}
