"""Grid search over an experiment's configuration (experimaestro 2.x's module of the same
path): ``generate_grid(cfg)`` gives one configuration per combination of the values of
its search spaces, and for each the values that tell it apart (its tags).

Search spaces come from two places:

- fields typed ``GridSearch[T]`` whose value holds more than one value (a list, a
  ``range``, a ``range_mult``), found in field order, nested configurations included;
- the ``grid_search`` mapping of the configuration: dotted paths of fields (any field,
  not only GridSearch ones) to search spaces, and ``config_dicts``, a list of mappings
  of paths to values that vary together.

Combinations are in the order of ``itertools.product`` (the last space varies
fastest), ``config_dicts`` innermost.
"""

import copy
import itertools
import logging
from typing import Any, Dict, List, NamedTuple, Optional, Set, Tuple

from .fieldpaths import resolve_field
from .schema import InvalidValue, convert, field_types, is_schema
from .searchspace import GenericParams, GridError, GridSearch, parse
from .yamlfiles import KeyPath

__all__ = ["GenericParams", "GridSearch", "GridError", "generate_grid", "check_grid",
           "discover_grid_params", "finalize_config", "set_nested_attr",
           "get_nested_attr_type"]

logger = logging.getLogger("xpm.experiments.grid")

BLOCK = "grid_search"
CONFIG_DICTS = "config_dicts"


class _Axis(NamedTuple):
    path: str  # dotted path of the field in the configuration
    values: List[Any]  # converted to the field's type


class _Plan(NamedTuple):
    axes: List[_Axis]
    config_dicts: Optional[List[Dict[str, Any]]]  # None: no config_dicts


# -- the public functions of 2.x -------------------------------------------------------


def generate_grid(cfg) -> Tuple[List[Any], List[Dict[str, Any]]]:
    """(configurations, tags): one copy of ``cfg`` per combination, its search spaces
    replaced by their values; the tags of a configuration map the dotted path of each
    space with more than one value (and each config_dicts key whose value varies) to its
    value. Without any search space: ([a copy of cfg], [{}]).

    Raises GridError (a ValueError) naming every problem (unknown paths, values that do
    not fit their field, malformed config_dicts)."""
    plan = _plan(cfg)
    if not plan.axes and plan.config_dicts is None:
        single = copy.deepcopy(cfg)
        finalize_config(single)
        return [single], [{}]
    base = copy.deepcopy(cfg)
    if hasattr(base, BLOCK):
        base.grid_search = {}  # as 2.x: the generated configurations hold no grid
    varying = _varying_keys(plan.config_dicts)
    configurations, tags = [], []
    for combination in itertools.product(*(axis.values for axis in plan.axes)):
        for coupled in plan.config_dicts or [{}]:
            configuration, tag = copy.deepcopy(base), {}
            for axis, value in zip(plan.axes, combination):
                set_nested_attr(configuration, axis.path, copy.deepcopy(value))
                if len(axis.values) > 1:
                    tag[axis.path] = value
            for path, value in coupled.items():
                set_nested_attr(configuration, path, copy.deepcopy(value))
                if path in varying:
                    tag[path] = value
            finalize_config(configuration)
            configurations.append(configuration)
            tags.append(tag)
    logger.debug("grid search: %d configurations", len(configurations))
    return configurations, tags


def check_grid(cfg) -> int:
    """The number of configurations generate_grid(cfg) gives; raises GridError as it
    would, without copying anything (run-experiment calls it when reading the YAML file,
    to report problems with their file and line)."""
    plan = _plan(cfg)
    count = 1
    for axis in plan.axes:
        count *= len(axis.values)
    return count * len(plan.config_dicts or [None])


def discover_grid_params(obj, prefix: str = "") -> Dict[str, GenericParams]:
    """Dotted path -> search space, for each field of ``obj`` (and of its nested
    configurations) holding more than one value, in field order."""
    found = {}
    for name, value in _field_values(obj):
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(value, GenericParams):
            if value.is_grid:
                found[path] = value
        else:
            found.update(discover_grid_params(value, path))
    return found


def finalize_config(obj):
    """Replaces, in place, each search space holding one value by that value (in nested
    configurations too); spaces of several values are left as they are."""
    for name, value in _field_values(obj):
        if isinstance(value, GenericParams):
            if not value.is_grid:
                setattr(obj, name, value.single())
        else:
            finalize_config(value)


def set_nested_attr(obj, path: str, value):
    """Sets the field at a dotted path (``sub.param``)."""
    *parents, last = path.split(".")
    for name in parents:
        obj = getattr(obj, name)
    setattr(obj, last, value)


def get_nested_attr_type(obj, path: str):
    """The declared type of the field at a dotted path; raises GridError (a ValueError)
    when the path names no field."""
    problem, declared = _resolve(obj, path)
    if problem:
        raise GridError([((), problem)])
    return declared


# -- planning: the spaces, their values, the problems -----------------------------------


def _plan(cfg) -> _Plan:
    problems: List[Tuple[KeyPath, str]] = []
    spaces: Dict[str, Tuple[KeyPath, GenericParams]] = {
        path: (tuple(path.split(".")), space)
        for path, space in discover_grid_params(cfg).items()}
    block = _block(cfg, problems)
    explicit = [key for key in block if key != CONFIG_DICTS]
    taken = set(spaces) | set(explicit)  # what config_dicts may not set
    for key in explicit:
        try:  # a block entry replaces the field's own space, keeping its place
            spaces[key] = ((BLOCK, key), parse(block[key], lambda value, path: value))
        except GridError as exc:
            problems.extend(((BLOCK, key, *p), m) for p, m in exc.problems)
    axes = [_axis(cfg, path, where, space, problems)
            for path, (where, space) in spaces.items()]
    coupled = None
    if CONFIG_DICTS in block:
        coupled = _config_dicts(cfg, block[CONFIG_DICTS], taken, problems)
    if problems:
        raise GridError(problems)
    return _Plan(axes, coupled)


def _block(cfg, problems) -> Dict[str, Any]:
    block = getattr(cfg, BLOCK, None)
    if block is None:
        return {}
    if not isinstance(block, dict):
        problems.append(((BLOCK,), f"expected a mapping of dotted field paths to search"
                                   f" spaces, got {block!r}"))
        return {}
    return block


def _axis(cfg, path: str, where: KeyPath, space: GenericParams, problems) -> _Axis:
    problem, declared = _resolve(cfg, path)
    if problem:
        problems.append((where, problem))
        return _Axis(path, [])
    try:
        values = space.as_list()
    except GridError as exc:
        problems.extend(((*where, *p), m) for p, m in exc.problems)
        return _Axis(path, [])
    if not values:
        problems.append((where, f"the search space {space.xpm_plain()!r} has no value"))
    listed = space.form() == "values_list"
    return _Axis(path, [_convert(value, declared, (*where, i) if listed else where, problems)
                        for i, value in enumerate(values)])


def _config_dicts(cfg, raw, taken: Set[str], problems) -> List[Dict[str, Any]]:
    """The coupled values of config_dicts, converted; problems appended."""
    where = (BLOCK, CONFIG_DICTS)
    if isinstance(raw, GenericParams):  # a grid_search typed Dict[str, GridSearch[Any]]
        raw = raw.values_list if raw.values_list is not None else raw.value
    shape = "a list of mappings from dotted field paths to values (one per combination)"
    if not isinstance(raw, list) or not raw:
        problems.append((where, f"expected {shape}, got {raw!r}"))
        return []
    keys = list(raw[0]) if isinstance(raw[0], dict) else []
    malformed = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not item:
            malformed.append(((*where, index), f"expected a non-empty mapping of dotted field"
                                               f" paths to values, got {item!r}"))
        elif set(item) != set(keys):
            missing = sorted(set(keys) - set(item))
            extra = sorted(set(item) - set(keys))
            malformed.append(((*where, index), "every mapping of config_dicts needs the keys"
                                               f" of the first one ({', '.join(map(str, keys))});"
                                               f" missing: {missing}, extra: {extra}"))
    if malformed or not keys:
        problems.extend(malformed)
        return []
    declared = {}
    for key in keys:
        problem, declared[key] = _resolve(cfg, key)
        if problem:
            problems.append(((*where, 0, key), problem))
        elif key in taken:
            problems.append(((*where, 0, key), f"{key} is also a search space (in"
                                               f" grid_search or its field): search it in one"
                                               f" place only"))
    return [{key: _convert(value, declared[key], (*where, index, key), problems)
             for key, value in item.items()} for index, item in enumerate(raw)]


def _varying_keys(coupled: Optional[List[Dict[str, Any]]]) -> Set[str]:
    """The config_dicts keys whose value is not the same in every mapping."""
    if not coupled:
        return set()
    first = coupled[0]
    return {key for key in first if any(item[key] != first[key] for item in coupled[1:])}


def _convert(value, declared, where: KeyPath, problems):
    try:
        return convert(value, declared)
    except InvalidValue as exc:
        problems.extend(((*where, *p), m) for p, m in exc.problems)
        return value


def _resolve(cfg, path: str) -> Tuple[Optional[str], Any]:
    """(problem, type of one value) for the field at a dotted path."""
    return resolve_field(cfg, path, "grid search")


def _field_values(obj):
    """(name, value) of each field of a configuration (nothing for other values)."""
    if not is_schema(type(obj)):
        return []
    return [(name, getattr(obj, name)) for name in field_types(type(obj))]
