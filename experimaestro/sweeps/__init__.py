"""Sweeps: indexed parameter sources. ``source[i]`` builds case *i* (a dict of parameter
values) from its index alone; ``len(source)`` counts the cases; ``source.cases()``
gives them with their index and tags. See docs/concepts/sweeps.md.

    from experimaestro.sweeps import Grid, Sample, LogUniform

    sweep = Grid(depth=[1, 2]) * Sample(4, seed=0, lr=LogUniform(1e-4, 1e-2))
    for i, params in sweep.cases():
        ...

Standard library only (no scheduler, no YAML reader): a job may rebuild its case.
"""

from .distributions import Choice, Distribution, LogUniform, RandInt, Uniform
from .errors import SweepError
from .leaves import Fixed, Grid, Sample
from .plain import SOURCE_KINDS, from_plain
from .sources import Case, Concat, Definition, Product, Source, Zip

__all__ = ["Case", "Choice", "Concat", "Definition", "Distribution", "Fixed", "Grid",
           "LogUniform", "Product", "RandInt", "Sample", "Source", "SOURCE_KINDS",
           "SweepError", "Uniform", "Zip", "from_plain"]
