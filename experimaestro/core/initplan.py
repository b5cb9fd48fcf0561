"""The constructor of a configuration class (``Cls.C(...)``), compiled once per class.

Keyword parameters named after the fields let Python bind the values; a value of exactly
the declared scalar type is stored as it is (a list of such values, as a copy), anything
else goes through
``ConfigInformation.set`` (checks, conversion, tags). Same behaviour as
``ConfigMixin.__init__``, which it replaces on generated classes.
"""

import keyword
from weakref import ref as weakref

from .arguments import CONSTANT, MISSING
from .information import ConfigInformation
from .types import ConfigType, ListType, _SCALARS


def compile_init(otype):
    """An ``__init__(self, *, field=MISSING, ..., **others)`` for configs of `otype`."""
    names = list(otype.arguments)
    if any(keyword.iskeyword(n) or n.startswith("_xpm") for n in names):
        return None  # unusual names: keep the generic constructor
    # Every name of the generated code starts with _xpm_ (no field may): a field named
    # like a helper (a1, otype, MISSING...) must not shadow it
    ns = {"_xpm_MISSING": MISSING, "_xpm_Info": ConfigInformation, "_xpm_otype": otype,
          "_xpm_weakref": weakref, "_xpm_static": otype.static_defaults,
          "_xpm_dynamic": otype.dynamic_defaults}
    params = "".join(f", {n}=_xpm_MISSING" for n in names)
    lines = [
        f"def __init__(_xpm_self, *_xpm_args{params},"
        " **_xpm_others):",
        "    if _xpm_args:",
        "        raise TypeError(f'{_xpm_otype.configtype.__qualname__}.C() takes keyword arguments"
        " only (the parameters), got {len(_xpm_args)} positional argument(s)')",
        "    _xpm = _xpm_Info()",
        "    _xpm._ref = _xpm_weakref(_xpm_self)",
        "    _xpm.xpmtype = _xpm_otype",
        "    _xpm_self.__dict__['__xpm__'] = _xpm",
        "    _xpm_values = dict(_xpm_static)" if otype.static_defaults else "    _xpm_values = {}",
    ]
    if otype.dynamic_defaults:
        lines += ["    for _xpm_name, _xpm_make in _xpm_dynamic:",
                  "        _xpm_values[_xpm_name] = _xpm_make()"]
    lines.append("    _xpm.values = _xpm_values")
    for i, name in enumerate(names):
        arg = otype.arguments[name]
        ns[f"_xpm_a{i}"] = arg
        lines.append(f"    if {name} is not _xpm_MISSING:")
        if arg.kind is CONSTANT or arg.checker is not None:
            # Constants raise unless equal; checked fields always go through the checks
            lines.append(f"        _xpm.set(_xpm_a{i}, {name})")
        elif arg.exact_type is not None:
            ns[f"_xpm_e{i}"] = arg.exact_type
            lines += [f"        if type({name}) is _xpm_e{i}:",
                      f"            _xpm_values[{name!r}] = {name}",
                      "        else:",
                      f"            _xpm.set(_xpm_a{i}, {name})"]
        elif isinstance(arg.type, ListType) and type(arg.type.inner) in _SCALARS:
            # A list whose items all have the declared scalar type: stored as a copy
            ns[f"_xpm_only{i}"] = {_SCALARS[type(arg.type.inner)]}
            lines += [f"        if type({name}) is list"
                      f" and {{*map(type, {name})}} == _xpm_only{i}:",
                      f"            _xpm_values[{name!r}] = {name}[:]",
                      "        else:",
                      f"            _xpm.set(_xpm_a{i}, {name})"]
        elif isinstance(arg.type, ConfigType):
            # Config classes already accepted for this field (tasks excepted: whether a
            # task was submitted is checked on each value)
            ns[f"_xpm_ok{i}"] = accepted = set()
            ns[f"_xpm_accept{i}"] = _accepting(accepted)
            lines += [f"        if type({name}) in _xpm_ok{i}:",
                      f"            _xpm_values[{name!r}] = {name}",
                      "        else:",
                      f"            _xpm.set(_xpm_a{i}, {name})",
                      f"            _xpm_accept{i}({name})"]
        else:
            lines.append(f"        _xpm.set(_xpm_a{i}, {name})")
    lines += ["    if _xpm_others:",
              "        for _xpm_name, _xpm_value in _xpm_others.items():",
              "            _xpm.set_by_name(_xpm_name, _xpm_value)"]
    code = "\n".join(lines) + "\n"
    exec(compile(code, f"<constructor of {otype.identifier}>", "exec"), ns)
    return ns["__init__"]


def _accepting(accepted: set):
    """Remember the class of a value a config field accepted (not for task classes)."""

    def accept(value):
        cls = type(value)
        otype = cls.__dict__.get("_xpm_objecttype")
        if otype is not None and not otype.task and cls.__dict__.get("_xpm_config_class") is cls:
            accepted.add(cls)

    return accept
