"""The search space of one configuration value (``GenericParams``) and ``GridSearch[T]``,
the type of a field that accepts one, as experimaestro 2.x writes them in YAML::

    lr: 0.01                      # one value
    lr: [0.1, 0.01]               # a list
    hidden: {range: [16, 64, 16]} # Python's range(start, stop[, step])
    lr: {range_mult: [1e-4, 4, 10]}  # start * multiplier ** i, for i < n_iter
"""

import difflib
import typing
from typing import Any, Callable, List, Optional, Tuple, TypeVar, Union

import attrs

from .schema import InvalidValue, convert
from experimaestro.yamlnodes import yaml_number

from .yamlfiles import KeyPath

__all__ = ["GenericParams", "GridSearch", "GridError", "SPEC_KEYS", "is_grid_search",
           "search_item_type"]

T = TypeVar("T")

#: The keys of a search space written as a mapping, and the attribute each one sets
SPEC_KEYS = {"value": "value", "values_list": "values_list", "values_range": "values_range",
             "range": "values_range", "values_mult": "values_mult",
             "range_mult": "values_mult"}

_RANGE_FORM = "[start, stop] or [start, stop, step], integers as in Python's range()"
_MULT_FORM = "[start, n_iter, multiplier], giving start * multiplier ** i for i < n_iter"

#: converts one value; its second argument is the value's path inside the search space
ItemConverter = Callable[[Any, KeyPath], Any]


class GridError(InvalidValue):
    """A search space or grid search that cannot be used; ``problems`` lists (key path,
    message). A ValueError, as 2.x raises."""


@attrs.define
class GenericParams:
    """A search space: one ``value``, a ``values_list``, a ``values_range`` (the
    arguments of Python's ``range``) or a ``values_mult`` ([start, n_iter, multiplier]).
    Give one of them."""

    value: Any = None
    values_list: Optional[List[Any]] = None
    values_range: Optional[Tuple[int, ...]] = None
    values_mult: Optional[Tuple[Any, ...]] = None

    @property
    def is_grid(self) -> bool:
        """True when the space holds more than one value."""
        return len(self.as_list()) > 1

    def as_list(self) -> List[Any]:
        """The values of the space, in order."""
        form = self.form()
        if form == "values_list":
            return list(self.values_list)
        if form == "values_range":
            return list(range(*_range_arguments(self.values_range, form)))
        if form == "values_mult":
            start, n_iter, multiplier = _mult_arguments(self.values_mult, form)
            # the expression of 2.x, so that the floats are the same to the last bit
            return [start * (multiplier**i) for i in range(n_iter)]
        return [self.value]

    def form(self) -> str:
        """Which attribute holds the space: value, values_list, values_range or values_mult."""
        given = [name for name in ("values_list", "values_range", "values_mult")
                 if getattr(self, name) is not None]
        if given and self.value is not None:
            given.insert(0, "value")
        if len(given) > 1:
            raise GridError([((), f"a search space takes one of value, values_list, range"
                                  f" or range_mult, not {' and '.join(given)}")])
        return given[0] if given else "value"

    def single(self) -> Any:
        """The value of a space holding exactly one."""
        values = self.as_list()
        if len(values) != 1:
            raise GridError([((), f"expected one value, the search space has {len(values)}")])
        return values[0]

    def xpm_plain(self):
        """The plain form of the space, as written in a YAML file (see ``to_plain``)."""
        form = self.form()
        if form == "values_list":
            return list(self.values_list)
        if form == "values_range":
            return {"range": list(self.values_range)}
        if form == "values_mult":
            return {"range_mult": list(self.values_mult)}
        return self.value

    @classmethod
    def from_any(cls, obj: Any, target_type: Any = Any) -> "GenericParams":
        """The search space written as ``obj``: a list, a mapping of SPEC_KEYS, or one
        value; values (of ``value`` and lists) are converted to ``target_type`` as the
        YAML schema does. Raises GridError (a ValueError) on a malformed space."""
        if target_type is Any:
            return parse(obj, lambda value, path: value)
        return parse(obj, _converter(target_type))


def _converter(target_type) -> ItemConverter:
    def convert_item(value, path: KeyPath):
        try:
            return convert(value, target_type)
        except InvalidValue as exc:
            raise GridError([((*path, *p), m) for p, m in exc.problems]) from None

    return convert_item


def parse(obj: Any, convert_item: ItemConverter) -> GenericParams:
    """The search space written as ``obj``; ``convert_item(value, path)`` converts each
    value of ``value`` and of lists (paths relative to ``obj``)."""
    if isinstance(obj, GenericParams):
        return obj
    if isinstance(obj, (list, tuple)):
        return GenericParams(values_list=[convert_item(v, (i,)) for i, v in enumerate(obj)])
    if isinstance(obj, dict):
        return _parse_mapping(obj, convert_item)
    return GenericParams(value=convert_item(obj, ()))


def _parse_mapping(obj: dict, convert_item: ItemConverter) -> GenericParams:
    unknown = [key for key in obj if key not in SPEC_KEYS]
    if unknown:
        close = difflib.get_close_matches(str(unknown[0]), list(SPEC_KEYS), n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise GridError([((unknown[0],), f"unknown key {unknown[0]!r} in a search space;"
                                          f" expected one of: {', '.join(sorted(SPEC_KEYS))}"
                                          f"{hint}")])
    given = [key for key, value in obj.items() if value is not None]
    if len(given) > 1:
        raise GridError([((given[1],), f"a search space takes one of value, values_list,"
                                       f" range or range_mult, not {' and '.join(given)}")])
    if not given:
        return GenericParams()
    key = given[0]
    value = obj[key]
    attribute = SPEC_KEYS[key]
    if attribute == "value":
        return GenericParams(value=convert_item(value, (key,)))
    if attribute == "values_list":
        if not isinstance(value, (list, tuple)):
            raise GridError([((key,), f"expected a list of values, got {value!r}")])
        return GenericParams(values_list=[convert_item(v, (key, i))
                                          for i, v in enumerate(value)])
    if attribute == "values_range":
        return GenericParams(values_range=_range_arguments(value, key))
    return GenericParams(values_mult=_mult_arguments(value, key))


def _range_arguments(args, key: str) -> Tuple[int, ...]:
    if not isinstance(args, (list, tuple)) or len(args) not in (2, 3) or not all(
            isinstance(a, int) and not isinstance(a, bool) for a in args):
        raise GridError([((key,), f"expected {_RANGE_FORM}, got {args!r}")])
    if len(args) == 3 and args[2] == 0:
        raise GridError([((key,), f"the step (third value) must not be 0, got {list(args)}")])
    return tuple(args)


def _mult_arguments(args, key: str) -> Tuple[Any, int, Any]:
    if not isinstance(args, (list, tuple)) or len(args) != 3:
        raise GridError([((key,), f"expected {_MULT_FORM}, got {args!r}")])
    start, count, multiplier = yaml_number(args[0]), _count(args[1]), yaml_number(args[2])
    problems = [((key, index), f"{name}: expected {what}, got {args[index]!r}")
                for index, name, what, parsed in (
                    (0, "start", "a number", start),
                    (1, "n_iter", "a whole number of values (0 or more)", count),
                    (2, "multiplier", "a number", multiplier)) if parsed is None]
    if problems:
        raise GridError(problems)
    return start, count, multiplier


def _count(value) -> Optional[int]:
    number = yaml_number(value)
    if number is None or number < 0 or number != int(number):
        return None
    return int(number)


# -- GridSearch[T] ---------------------------------------------------------------------


class _GridSearchField:
    """The metadata of ``GridSearch[T]``: the YAML schema reads the field's value as a
    search space whose values are converted to T (or null, as 2.x accepts)."""

    def xpm_coerce(self, value, declared, convert_part):
        item_type = search_item_type(typing.Annotated[declared, self])
        space = parse(value, lambda v, path: convert_part(v, item_type, path))
        if not space.as_list():
            raise GridError([((), f"the search space {space.xpm_plain()!r} has no value")])
        return space

    def xpm_describe(self, declared, describe) -> str:
        item = describe(_without(declared, GenericParams, type(None)))
        return (f"{item}, a list of them, or a search space ({{range: [start, stop, step]}}"
                f" or {{range_mult: [start, n_iter, multiplier]}})")

    def __repr__(self):
        return "GridSearchField"


GRID_SEARCH_FIELD = _GridSearchField()

#: The type of a field accepting one value of T or a search space of them (the
#: configuration holds a GenericParams until generate_grid replaces it)
GridSearch = typing.Annotated[Union[T, GenericParams], GRID_SEARCH_FIELD]


def is_grid_search(tp) -> bool:
    return typing.get_origin(tp) is typing.Annotated and any(
        m is GRID_SEARCH_FIELD for m in tp.__metadata__)


def search_item_type(tp):
    """The type of one value of a field: T (or null) for GridSearch[T], else the type."""
    if typing.get_origin(tp) is Union:
        return Union[tuple(search_item_type(arg) for arg in typing.get_args(tp))]
    if not is_grid_search(tp):
        return tp
    item = _without(typing.get_args(tp)[0], GenericParams)
    return item if item is Any else Optional[item]


def _without(tp, *removed):
    if typing.get_origin(tp) is not Union:
        return tp
    kept = tuple(arg for arg in typing.get_args(tp) if arg not in removed)
    return Union[kept] if kept else Any
