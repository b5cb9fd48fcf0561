"""The field at a dotted path of an experiment's configuration (``model.depth``), for
the grid search and the sweeps that set fields by their path."""

import difflib
from typing import Any, Optional, Tuple

from .schema import field_types, is_schema
from .searchspace import search_item_type

__all__ = ["resolve_field"]


def resolve_field(cfg, path: str, what: str) -> Tuple[Optional[str], Any]:
    """(problem, type of one value) for the field at a dotted path: problem is None when
    the path names a field of the configuration; ``what`` names the path in messages
    ("grid search": "the grid search path 'model.depth'")."""
    obj, names = cfg, str(path).split(".")
    for depth, name in enumerate(names):
        where = ".".join(names[:depth]) or "the configuration"
        if not is_schema(type(obj)):
            shown = "null" if obj is None else f"{obj!r}, not a configuration"
            return (f"no field {path}: {where} is {shown}; give {where} a value (a mapping)"
                    f" to search over {path}"), None
        types = field_types(type(obj))
        if name not in types:
            close = difflib.get_close_matches(name, list(types), n=2)
            hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
            return (f"no field {name!r} in {where} ({type(obj).__name__}) for the {what}"
                    f" path {path!r}; expected one of: {', '.join(sorted(types))}"
                    f"{hint}"), None
        if depth == len(names) - 1:
            return None, search_item_type(types[name])
        obj = getattr(obj, name)
    raise AssertionError("unreachable: a path has at least one name")
