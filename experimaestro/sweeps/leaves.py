"""The sources that hold values: ``Grid`` (lists of values, every combination),
``Fixed`` (one case) and ``Sample`` (n random cases, drawn from distributions).

Parameters are given as keywords (``Grid(lr=[0.1, 0.01])``) or, for names that are not
Python identifiers (``model.depth``), as a mapping first (``Grid({"model.depth": [1,
2]})``); the mapping's names come first."""

from typing import Any, Dict, Mapping, Optional

from .distributions import DISTRIBUTIONS, Distribution, value_generator
from .errors import SweepError
from .sources import Definition, Source

__all__ = ["Grid", "Fixed", "Sample"]


def _named(kind: str, mapping: Optional[Mapping[str, Any]], keywords: Dict[str, Any],
           where=()) -> Dict[str, Any]:
    """The parameters given as a mapping and as keywords, in order."""
    if mapping is None:
        mapping = {}
    if not isinstance(mapping, Mapping):
        raise SweepError([((kind, *where), f"expected a mapping of parameter names to"
                                           f" values, got {mapping!r}")])
    problems = [((kind, *where, name), "given twice (in the mapping and as a keyword)")
                for name in keywords if name in mapping]
    problems += [((kind, *where), f"a parameter name is a non-empty string, got {name!r}")
                 for name in mapping if not isinstance(name, str) or not name]
    named = {**mapping, **keywords}
    if not named and not problems:
        problems.append(((kind, *where), "expected at least one parameter"))
    if problems:
        raise SweepError(problems)
    return named


class Grid(Source):
    """Every combination of the values of each parameter: the last parameter varies
    fastest (as nested loops, and ``itertools.product``). Values are lists, tuples or
    ``range`` objects."""

    kind = "grid"

    def __init__(self, axes: Optional[Mapping[str, Any]] = None, /, **more):
        named = _named(self.kind, axes, more)
        problems = []
        for name, values in named.items():
            if not isinstance(values, (list, tuple, range)):
                problems.append(((self.kind, name), f"expected a list of values, got"
                                                    f" {values!r} (for one value, write"
                                                    f" [{values!r}] or use Fixed)"))
            elif len(values) == 0:
                problems.append(((self.kind, name), "expected a non-empty list of values,"
                                                    " got an empty one"))
        if problems:
            raise SweepError(problems)
        self.axes = {name: values if isinstance(values, range) else tuple(values)
                     for name, values in named.items()}
        self.names = tuple(self.axes)
        self._count = 1
        for values in self.axes.values():
            self._count *= len(values)

    def __len__(self):
        return self._count

    def _params(self, index):
        params = {}
        for name in reversed(self.names):
            values = self.axes[name]
            index, position = divmod(index, len(values))
            params[name] = values[position]
        return {name: params[name] for name in self.names}

    @property
    def fixed(self):
        return {name: values[0] for name, values in self.axes.items() if len(values) == 1}

    def definitions(self, path=()):
        for name, values in self.axes.items():
            where = (*path, self.kind, name)
            yield Definition(name, where, tuple(((*where, i), value)
                                                for i, value in enumerate(values)), None)

    def to_plain(self):
        return {self.kind: {name: list(values) for name, values in self.axes.items()}}

    def __repr__(self):
        return f"Grid({ {name: list(values) for name, values in self.axes.items()}!r})"


class Fixed(Source):
    """One case: the given values (mix it into a sweep with ``*``)."""

    kind = "fixed"

    def __init__(self, values: Optional[Mapping[str, Any]] = None, /, **more):
        self.values = _named(self.kind, values, more)
        self.names = tuple(self.values)

    def __len__(self):
        return 1

    def _params(self, index):
        return dict(self.values)

    @property
    def fixed(self):
        return dict(self.values)

    def definitions(self, path=()):
        for name, value in self.values.items():
            where = (*path, self.kind, name)
            yield Definition(name, where, ((where, value),), None)

    def to_plain(self):
        return {self.kind: dict(self.values)}

    def __repr__(self):
        return f"Fixed({self.values!r})"


class Sample(Source):
    """``n`` random cases: each parameter drawn from its distribution (``Uniform``,
    ``LogUniform``, ``RandInt``, ``Choice``). The value of a parameter in case *i* comes
    from a generator seeded by (``seed``, *i*, the parameter's name) only: the same
    seed and definition give the same cases everywhere, case *i* is rebuilt alone, and
    adding a parameter or raising ``n`` leaves the values already drawn as they were.
    (Parameters named ``n`` or ``seed`` go in the mapping: ``Sample(4, {"seed":
    RandInt(0, 99)}, seed=1)``.)"""

    kind = "sample"

    def __init__(self, n: int, distributions: Optional[Mapping[str, Any]] = None, /, *,
                 seed: int, **more):
        named = _named(self.kind, distributions, more, ("params",))
        problems = []
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            problems.append(((self.kind, "n"), f"the number of cases: expected a whole"
                                               f" number, 1 or more, got {n!r}"))
        if isinstance(seed, bool) or not isinstance(seed, int):
            problems.append(((self.kind, "seed"), f"expected a whole number, got {seed!r}"))
        kinds = ", ".join(cls.__name__ for cls in DISTRIBUTIONS.values())
        for name, distribution in named.items():
            if not isinstance(distribution, Distribution):
                problems.append(((self.kind, "params", name),
                                 f"expected a distribution ({kinds}), got {distribution!r};"
                                 f" for one value, use Fixed"))
        if problems:
            raise SweepError(problems)
        self.n, self.seed = n, seed
        self.distributions: Dict[str, Distribution] = named
        self.names = tuple(named)

    def __len__(self):
        return self.n

    def _params(self, index):
        return {name: distribution.draw(value_generator(self.seed, index, name))
                for name, distribution in self.distributions.items()}

    @property
    def fixed(self):
        if self.n == 1:
            return self._params(0)
        return {name: distribution.single()[0]
                for name, distribution in self.distributions.items() if distribution.single()}

    def definitions(self, path=()):
        for name, distribution in self.distributions.items():
            where = (*path, self.kind, "params", name)
            listed = ()
            if distribution.kind == "choice":
                listed = tuple(((*where, "choice", i), value)
                               for i, value in enumerate(distribution.arguments()))
            yield Definition(name, where, listed, distribution)

    def to_plain(self):
        return {self.kind: {"n": self.n, "seed": self.seed,
                            "params": {name: distribution.to_plain()
                                       for name, distribution in self.distributions.items()}}}

    def __repr__(self):
        return f"Sample({self.n}, {self.distributions!r}, seed={self.seed})"
