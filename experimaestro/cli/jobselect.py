"""Which jobs a command of ``experimaestro jobs`` works on: its selection options
(``--experiment``, ``--state``, ``--type``, ``--tag``, ``--filter``), all of which must
match."""

from typing import Callable, List, Optional

import click

from experimaestro.index.fields import STATE_NAMES, canonical_state, field_for
from experimaestro.index.filter import FilterError, parse_filter

__all__ = ["filter_options", "Selection"]


def filter_options(fn):
    """The selection options, as the keyword arguments experiments, states, types, tags
    and filter_text."""
    options = [
        click.option("--experiment", "-e", "experiments", multiple=True, metavar="NAME",
                     help="Only the jobs of the latest run of this experiment (repeatable)"),
        click.option("--state", "states", multiple=True, metavar="STATE",
                     help="Only jobs in this state: done, failed, running, queued, pending, or a"
                          " failure reason such as cancelled (repeatable)"),
        click.option("--type", "types", multiple=True, metavar="TYPE",
                     help="Only jobs of this task type (its id, or its last part;"
                          " repeatable)"),
        click.option("--tag", "tags", multiple=True, metavar="NAME=VALUE",
                     help="Only jobs with this tag value (repeatable)"),
        click.option("--filter", "filter_text", default=None, metavar="EXPR",
                     help="A filter expression, ours or experimaestro 2.x's, e.g."
                          " 'state=failed and (lr=0.1 or lr=0.01)',"
                          " '@state = \"done\" and model in [\"bm25\", \"t5\"]'"),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


Predicate = Callable[[object], bool]


class Selection:
    """The selection options of a command, applied to the jobs of a workspace index."""

    def __init__(self, index, experiments=(), states=(), types=(), tags=(), filter_text=None):
        self.index = index
        self.experiments = list(experiments)
        for name in self.experiments:
            if not (index.experimentspath / name).is_dir():
                known = ", ".join(index.experiments()) or "(none)"
                raise click.UsageError(f"no experiment {name!r} in {index.path}; known: {known}")
        self._tester: Optional[Predicate] = None
        self.predicates: List[Predicate] = [
            p for p in (_any_state(states), _any_type(types), *map(_tag, tags),
                        _filter(filter_text)) if p is not None
        ]
        #: SQL conditions every selected job meets, for the index (see JobIndex.rows)
        self.prefilter = [term for p in self.predicates for term in getattr(p, "sql", ())]

    @property
    def empty(self) -> bool:
        """True when nothing narrows the selection (every job is selected)."""
        return not self.experiments and not self.predicates

    def matches(self, job) -> bool:
        return self._test()(job)

    def jobs(self):
        jobs = self.index.jobs(self.prefilter)
        if any(getattr(p, "details", False) for p in self.predicates):
            self.index.index.load_details(jobs)  # (at once, not one query per job)
        test = self._test()
        return [job for job in jobs if test(job)]

    def _test(self) -> Predicate:
        """The test of a job: its predicates first (most jobs fail there, cheaply), then
        whether the latest run of one of the experiments has it (built once)."""
        if self._tester is None:
            self._tester = self._build_test()
        return self._tester

    def _build_test(self) -> Predicate:
        predicates = [getattr(p, "predicate", p) for p in self.predicates]
        current = set().union(*(self.index.current_jobs(xp) for xp in self.experiments))

        def test(job) -> bool:
            for predicate in predicates:
                if not predicate(job):
                    return False
            return not self.experiments or (job.type_id, job.identifier) in current
        return test


class _Option:
    """A selection option as a predicate, with the SQL condition it implies (if any)."""

    __slots__ = ("predicate", "sql")

    def __init__(self, predicate: Predicate, sql=None):
        self.predicate, self.sql = predicate, [sql] if sql is not None else []

    def __call__(self, job) -> bool:
        return self.predicate(job)


def _any_state(states) -> Optional[Predicate]:
    for state in states:
        if canonical_state(state) is None:
            raise click.BadParameter(
                f"unknown state {state!r}; the states are {', '.join(STATE_NAMES)}",
                param_hint="--state")
    if not states:
        return None
    field = field_for("state")
    return _Option(lambda job: any(field.equals(job, s) for s in states),
                   field.sql(states[0]) if len(states) == 1 else None)


def _any_type(types) -> Optional[Predicate]:
    if not types:
        return None
    field = field_for("type")
    return _Option(lambda job: any(field.equals(job, t) for t in types),
                   field.sql(types[0]) if len(types) == 1 else None)


def _tag(text: str) -> Predicate:
    name, sep, value = text.partition("=")
    if not sep or not name:
        raise click.BadParameter(f"{text!r}: expected NAME=VALUE", param_hint="--tag")
    field = field_for(f"tag.{name}")
    return _Option(lambda job: field.equals(job, value), field.sql(value))


def _filter(text: Optional[str]) -> Optional[Predicate]:
    try:
        return parse_filter(text)
    except FilterError as exc:
        raise click.BadParameter(str(exc), param_hint="--filter") from None
