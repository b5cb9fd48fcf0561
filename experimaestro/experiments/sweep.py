"""Sweeps in experiment files: a field typed ``Sweep`` reads a parameter source (see
``experimaestro.sweeps``) whose parameter names are dotted paths of the configuration's
fields; ``sweep_cases(cfg)`` gives, for each case to run, the case and a copy of the
configuration with the case's values set::

    @configuration()
    class Settings(ConfigurationBase):
        lr: float = 1e-3
        sweep: Sweep = None

    def run(helper, cfg: Settings):
        for case, settings in sweep_cases(cfg):
            case.tag(Learn.C(lr=settings.lr)).submit()

``run-experiment --cases 3`` (or ``2:5``, ``1,4``) runs only some cases
(``select_cases``).
"""

import copy
import typing
from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from experimaestro.sweeps import Case, Source, SweepError, from_plain
from experimaestro.sweeps.distributions import value_generator
from experimaestro.sweeps.plain import SOURCE_KINDS

from .fieldpaths import resolve_field
from .grid import set_nested_attr
from .schema import InvalidValue, convert, field_types

__all__ = ["Sweep", "SweepPlan", "check_sweep", "parse_cases", "select_cases", "sweep_cases",
           "sweep_fields"]


class SweepPlan:
    """The value of a ``Sweep`` field: the ``source``, and the ``indices`` of the cases
    to run (all of them unless some were selected)."""

    def __init__(self, source: Source, indices: Optional[Iterable[int]] = None):
        self.source = source
        self.indices = range(len(source)) if indices is None else tuple(
            source.check_index(index) for index in indices)

    def select(self, indices: Iterable[int]) -> "SweepPlan":
        """The same source, running only the cases at ``indices``."""
        return SweepPlan(self.source, indices)

    def __len__(self):
        return len(self.indices)

    def xpm_plain(self):
        """The YAML form (for ``run-experiment --show``)."""
        return self.source.to_plain()

    def __eq__(self, other):
        return isinstance(other, SweepPlan) and (other.source, tuple(other.indices)) == (
            self.source, tuple(self.indices))

    __hash__ = None

    def __repr__(self):
        selected = "" if self.indices == range(len(self.source)) else \
            f", indices={list(self.indices)}"
        return f"SweepPlan({self.source!r}{selected})"


class _SweepField:
    """The metadata of ``Sweep``: the YAML schema reads the value as a source."""

    def xpm_coerce(self, value, declared, convert_part):
        return _as_plan(value)

    def xpm_describe(self, declared, describe) -> str:
        return (f"a sweep (a mapping with one key among {', '.join(SOURCE_KINDS)}) or"
                f" null")

    def __repr__(self):
        return "SweepField"


SWEEP_FIELD = _SweepField()

#: The type of a configuration field holding a sweep (null: no sweep)
Sweep = typing.Annotated[Optional[SweepPlan], SWEEP_FIELD]


def _as_plan(value) -> Optional[SweepPlan]:
    """A SweepPlan from a plan, a source or a plain form (None stays None); raises
    InvalidValue with the key path of each problem."""
    if value is None or isinstance(value, SweepPlan):
        return value
    if isinstance(value, Source):
        return SweepPlan(value)
    try:
        return SweepPlan(from_plain(value))
    except SweepError as exc:
        raise InvalidValue(exc.problems) from None


def _is_sweep_type(tp) -> bool:
    if typing.get_origin(tp) is typing.Union:
        return any(_is_sweep_type(arg) for arg in typing.get_args(tp))
    return typing.get_origin(tp) is typing.Annotated and any(
        meta is SWEEP_FIELD for meta in tp.__metadata__)


def sweep_fields(cfg) -> List[str]:
    """The names of the fields of ``cfg`` typed ``Sweep``."""
    return [name for name, tp in field_types(type(cfg)).items() if _is_sweep_type(tp)]


def _field(cfg, field: Optional[str]) -> str:
    if field is not None:
        if field not in field_types(type(cfg)):
            raise ValueError(f"no field {field!r} in {type(cfg).__name__}")
        return field
    fields = sweep_fields(cfg)
    if len(fields) == 1:
        return fields[0]
    if not fields:
        raise ValueError(f"{type(cfg).__name__} has no field typed Sweep; declare one"
                         f" (`sweep: Sweep = None`, with `from experimaestro.experiments."
                         f"sweep import Sweep`)")
    raise ValueError(f"{type(cfg).__name__} has several fields typed Sweep"
                     f" ({', '.join(fields)}): say which one with field=...")


def check_sweep(cfg, field: Optional[str] = None) -> Dict[str, Any]:
    """The declared type of each parameter of the sweep held by ``field`` (default: the
    one field typed Sweep); raises SweepError, with the key path of each problem
    (parameters that name no field, values that do not fit it)."""
    field = _field(cfg, field)
    try:
        plan = _as_plan(getattr(cfg, field))
    except InvalidValue as exc:
        raise SweepError([((field, *path), message) for path, message in exc.problems]) \
            from None
    if plan is None:
        return {}
    problems, types = [], {}
    for definition in plan.source.definitions((field,)):
        problem, declared = resolve_field(cfg, definition.name, "sweep")
        if problem:
            problems.append((definition.path, problem))
            continue
        types[definition.name] = declared
        for path, value in definition.values:
            try:
                convert(value, declared)
            except InvalidValue as exc:
                problems.extend(((*path, *p), m) for p, m in exc.problems)
        if definition.distribution is not None and not definition.values:
            problems.extend(_drawn_fits(definition, declared))
    if problems:
        raise SweepError(problems)
    return types


def _drawn_fits(definition, declared) -> List[Tuple[Any, str]]:
    """The problem, if any, of a value drawn by the definition's distribution put in a
    field of type ``declared``."""
    distribution = definition.distribution
    drawn = distribution.draw(value_generator(0, 0, definition.name))
    try:
        convert(drawn, declared)
    except InvalidValue as exc:
        hint = "; use randint for whole numbers" if distribution.gives_floats else ""
        return [(definition.path, f"{definition.name} does not take the values"
                                  f" {distribution.kind} draws: {m}{hint}")
                for _, m in exc.problems[:1]]
    return []


def sweep_cases(cfg, field: Optional[str] = None) -> Iterator[Tuple[Case, Any]]:
    """(case, configuration) for each case to run of the sweep of ``cfg`` (the value of
    ``field``, by default the one field typed Sweep): a copy of ``cfg`` whose fields
    named by the case are set to its values (converted to the fields' types), the sweep
    field set to None. The case's params and tags map the dotted paths to these
    values. Without a sweep (null): one case, index 0, no params, a copy of ``cfg``.

    Raises SweepError (a ValueError) at once for a sweep that does not fit ``cfg``."""
    field = _field(cfg, field)
    types = check_sweep(cfg, field)
    plan = _as_plan(getattr(cfg, field))
    base = copy.copy(cfg)
    setattr(base, field, None)
    return _generate(plan, copy.deepcopy(base), types, field)


def _generate(plan, base, types, field):
    if plan is None:
        yield Case(0, {}, {}), copy.deepcopy(base)
        return
    for case in plan.source.cases(plan.indices):
        configuration, params = copy.deepcopy(base), {}
        for name, value in case.params.items():
            try:
                params[name] = convert(value, types[name])
            except InvalidValue as exc:
                raise SweepError([((field, name), f"case {case.index}: {m}")
                                  for _, m in exc.problems]) from None
            set_nested_attr(configuration, name, copy.deepcopy(params[name]))
        tags = {name: params[name] for name in case.tags}
        yield Case(case.index, params, tags), configuration


def parse_cases(text: str, count: int) -> List[int]:
    """The case indices written as ``3``, ``2:5`` (2, 3, 4: as a Python slice), ``5:``,
    ``:3`` or several of them separated by commas, for a sweep of ``count`` cases;
    raises ValueError saying what is wrong."""
    last = f"the sweep has {count} case{'s' if count > 1 else ''} (0 to {count - 1})"
    indices: Dict[int, None] = {}
    for item in str(text).split(","):
        item = item.strip()
        start, colon, stop = item.partition(":")
        try:
            first = int(start) if start.strip() else 0
            end = (int(stop) if stop.strip() else count) if colon else first + 1
        except ValueError:
            raise ValueError(f"{item!r} is not a case index: write an index (3), a range"
                             f" (2:5, the end excluded) or several, separated by commas"
                             f" (1,4,6:8)") from None
        if first < 0 or end < 0:
            raise ValueError(f"{item!r}: case indices start at 0 ({last})")
        if first >= count or end > count:
            shown = first if first >= count else end - 1
            raise ValueError(f"case {shown} is out of range: {last}")
        if end <= first:
            raise ValueError(f"{item!r} selects no case (the end of a range is excluded)")
        indices.update(dict.fromkeys(range(first, end)))
    return list(indices)


def select_cases(cfg, text: str, field: Optional[str] = None):
    """Restricts the sweep of ``cfg`` to the cases written as ``text`` (see
    ``parse_cases``); raises ValueError when there is no sweep or a case is not in it."""
    field = _field(cfg, field)
    plan = _as_plan(getattr(cfg, field))
    if plan is None:
        raise ValueError(f"the configuration's {field} is not set: there are no cases to"
                         f" select")
    setattr(cfg, field, plan.select(parse_cases(text, len(plan.source))))
