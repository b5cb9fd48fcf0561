"""Parameter sources: finite, indexed sets of cases (a case is a dict of parameter
values), and their combinations.

A source knows its length and builds case *i* from *i* alone (``source[i]``), so that a
case can be rebuilt anywhere from its index — in a job, on another machine, a month
later. The leaves (``Grid``, ``Fixed``, ``Sample``) are in ``leaves.py``; here are the
base class and the combinations:

- ``Product(a, b)`` (``a * b``): every case of ``a`` with every case of ``b``; the last
  source varies fastest, as in nested loops and ``itertools.product``;
- ``Concat(a, b)`` (``a + b``): the cases of ``a``, then those of ``b``;
- ``Zip(a, b)``: case *i* of ``a`` with case *i* of ``b`` (same lengths).
"""

import abc
import bisect
import itertools
import operator
from typing import Any, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple

from .distributions import Distribution
from .errors import KeyPath, SweepError

__all__ = ["Case", "Definition", "Source", "Product", "Concat", "Zip"]


class Case:
    """One case of a sweep: its ``index`` in the sweep, its ``params`` (name -> value),
    and its ``tags``: the params that vary in the sweep (those that tell the case apart).

    Unpacks as ``index, params``: ``for i, params in source.cases(): ...``."""

    __slots__ = ("index", "params", "tags")

    def __init__(self, index: int, params: Dict[str, Any], tags: Dict[str, Any]):
        self.index = index
        self.params = params
        self.tags = tags

    def __iter__(self):
        return iter((self.index, self.params))

    def tag(self, config, index: Optional[str] = None):
        """Tags ``config`` (a configuration, e.g. a task before submit) with the case's
        tags and, when ``index`` is given, with the case's index under that name;
        returns ``config``."""
        for name, value in self.tags.items():
            config.tag(name, value)
        if index is not None:
            config.tag(index, self.index)
        return config

    def __eq__(self, other):
        return isinstance(other, Case) and (other.index, other.params, other.tags) == (
            self.index, self.params, self.tags)

    __hash__ = None

    def __repr__(self):
        return f"Case({self.index}, {self.params!r}, tags={self.tags!r})"


class Definition(NamedTuple):
    """Where a parameter is defined in the plain (YAML) form of a source, and how its
    values are given: listed (with the key path of each) or drawn from a distribution."""

    name: str
    path: KeyPath
    values: Tuple[Tuple[KeyPath, Any], ...]
    distribution: Optional[Distribution]


class Source(abc.ABC):
    """A finite sequence of cases. Subclasses give ``names``, ``__len__``,
    ``_params(i)`` (a new dict, for 0 <= i < len), ``fixed`` (the names that have one
    value in every case, with it), ``definitions(path)`` and ``to_plain()``."""

    #: The names of the parameters, in the order of the definition
    names: Tuple[str, ...] = ()

    @abc.abstractmethod
    def __len__(self) -> int:
        """The number of cases."""

    @abc.abstractmethod
    def _params(self, index: int) -> Dict[str, Any]:
        """The parameters of case ``index`` (0 <= index < len), a new dict."""

    @property
    @abc.abstractmethod
    def fixed(self) -> Dict[str, Any]:
        """The parameters that have the same value in every case (name -> value)."""

    @abc.abstractmethod
    def definitions(self, path: KeyPath = ()) -> Iterator[Definition]:
        """Each parameter definition, with its key path below ``path``."""

    @abc.abstractmethod
    def to_plain(self) -> Dict[str, Any]:
        """The YAML form (``experimaestro.sweeps.from_plain`` reads it back)."""

    # -- what every source offers ----------------------------------------------------

    @property
    def varying(self) -> frozenset:
        """The names whose value is not the same in every case (the tags of a case)."""
        return frozenset(self.names) - set(self.fixed)

    def __getitem__(self, key):
        """Case ``key`` (an integer, negative counts from the end) as a new dict of
        values; a slice gives a list of them."""
        if isinstance(key, slice):
            return [self._params(i) for i in range(*key.indices(len(self)))]
        return self._params(self.check_index(key))

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        for index in range(len(self)):
            yield self._params(index)

    def cases(self, indices: Optional[Iterable[int]] = None) -> Iterator[Case]:
        """The cases (``Case``: index, params, tags) at ``indices`` (default: all, in
        order); an index out of range raises IndexError."""
        varying = self.varying
        for index in range(len(self)) if indices is None else indices:
            index = self.check_index(index)
            params = self._params(index)
            yield Case(index, params, {k: v for k, v in params.items() if k in varying})

    def check_index(self, index) -> int:
        """``index`` as a position in 0..len-1 (negative ones count from the end)."""
        if isinstance(index, bool):
            raise TypeError(f"a case index is an integer, got {index!r}")
        try:
            position = operator.index(index)
        except TypeError:
            raise TypeError(f"a case index is an integer (or a slice), got {index!r}"
                            f" ({type(index).__name__})") from None
        count = len(self)
        if position < 0:
            position += count
        if not 0 <= position < count:
            raise IndexError(f"case {index} is out of range: the sweep has {count} case"
                             f"{'s' if count > 1 else ''} (0 to {count - 1})")
        return position

    def __mul__(self, other):
        if not isinstance(other, Source):
            return NotImplemented
        return Product(*_parts(self, Product), *_parts(other, Product))

    def __add__(self, other):
        if not isinstance(other, Source):
            return NotImplemented
        return Concat(*_parts(self, Concat), *_parts(other, Concat))

    def __eq__(self, other):
        return type(other) is type(self) and other.to_plain() == self.to_plain()

    __hash__ = None


def _parts(source: Source, kind) -> Tuple[Source, ...]:
    """The sources of a combination of this kind (so that a * b * c is one product)."""
    return source.sources if type(source) is kind else (source,)


class _Combination(Source):
    kind = ""

    def __init__(self, *sources: Source):
        problems = [((self.kind, i), f"expected a source (Grid, Fixed, Sample, Product,"
                                     f" Concat or Zip), got {source!r}")
                    for i, source in enumerate(sources) if not isinstance(source, Source)]
        if not sources:
            problems.append(((self.kind,), "expected at least one source"))
        if problems:
            raise SweepError(problems)
        self.sources: Tuple[Source, ...] = tuple(sources)
        self.names = tuple(dict.fromkeys(n for s in sources for n in s.names))

    def definitions(self, path: KeyPath = ()):
        for i, source in enumerate(self.sources):
            yield from source.definitions((*path, self.kind, i))

    def to_plain(self):
        return {self.kind: [source.to_plain() for source in self.sources]}

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(map(repr, self.sources))})"

    def _check_disjoint(self, how: str):
        seen: Dict[str, int] = {}
        problems = []
        for i, source in enumerate(self.sources):
            for name in source.names:
                if name in seen:
                    problems.append(((self.kind, i), f"the parameter {name!r} is also set by"
                                                     f" source {seen[name]}: {how}"))
                else:
                    seen[name] = i
        if problems:
            raise SweepError(problems)


class Product(_Combination):
    """Every combination of one case of each source (``a * b``): case of the first
    source varies slowest, the last fastest. The sources set different parameters."""

    kind = "product"

    def __init__(self, *sources: Source):
        super().__init__(*sources)
        self._check_disjoint("a case would get two values; set it in one source only"
                             " (Concat puts sources one after the other)")
        self._count = 1
        for source in self.sources:
            self._count *= len(source)

    def __len__(self):
        return self._count

    def _params(self, index):
        positions: List[int] = []
        for source in reversed(self.sources):
            index, position = divmod(index, len(source))
            positions.append(position)
        params: Dict[str, Any] = {}
        for source, position in zip(self.sources, reversed(positions)):
            params.update(source._params(position))
        return params

    @property
    def fixed(self):
        return {k: v for source in self.sources for k, v in source.fixed.items()}


class Concat(_Combination):
    """The cases of each source, one source after the other (``a + b``); the sources
    may set different parameters (a case holds those of its source)."""

    kind = "concat"

    def __init__(self, *sources: Source):
        super().__init__(*sources)
        self._ends = list(itertools.accumulate(len(source) for source in self.sources))

    def __len__(self):
        return self._ends[-1]

    def _params(self, index):
        part = bisect.bisect_right(self._ends, index)
        start = self._ends[part - 1] if part else 0
        return self.sources[part]._params(index - start)

    @property
    def fixed(self):
        fixed = [source.fixed for source in self.sources]
        first = fixed[0]
        return {k: v for k, v in first.items()
                if all(k in other and other[k] == v for other in fixed[1:])}


class Zip(_Combination):
    """Case *i* of each source, together: the sources have the same length and set
    different parameters."""

    kind = "zip"

    def __init__(self, *sources: Source):
        super().__init__(*sources)
        self._check_disjoint("a case would get two values; set it in one source only")
        lengths = [len(source) for source in self.sources]
        if len(set(lengths)) > 1:
            raise SweepError([((self.kind,), f"the sources must have the same number of"
                                             f" cases to be zipped, they have"
                                             f" {', '.join(map(str, lengths))}")])

    def __len__(self):
        return len(self.sources[0])

    def _params(self, index):
        params: Dict[str, Any] = {}
        for source in self.sources:
            params.update(source._params(index))
        return params

    @property
    def fixed(self):
        return {k: v for source in self.sources for k, v in source.fixed.items()}
