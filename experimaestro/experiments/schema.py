"""Turning the merged YAML data into the user's schema (an attrs class), with errors that
say which key, where it was set, and what is expected."""

import dataclasses
import difflib
import enum
import typing
from pathlib import PurePath
from typing import Any, Callable, Dict, List, Optional, Protocol, Tuple, runtime_checkable

import attrs

from experimaestro.yamlnodes import format_key_path

from .configuration import MISSING
from .yamlfiles import ConfigError, KeyPath, MergedConfig

__all__ = ["build_configuration", "convert", "field_types", "is_schema", "problems_error",
           "to_plain", "Coercer", "InvalidValue", "Plain"]

_NoneType = type(None)

#: converts a value to a type, reporting problems at a path relative to the value
Convert = Callable[[Any, Any, KeyPath], Any]


class InvalidValue(ValueError):
    """Values that do not fit their type: ``problems`` lists (key path, message)."""

    def __init__(self, problems: List[Tuple[KeyPath, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{format_key_path(p)}: {m}" if p else m for p, m in problems))


@runtime_checkable
class Coercer(Protocol):
    """Metadata of ``Annotated[T, coercer]`` that reads the YAML value itself (as
    ``GridSearch[T]`` does): the schema hands it the value, ``T``, and ``convert`` to
    check parts of the value against a type; it raises InvalidValue (paths relative to
    the value) for what does not fit."""

    def xpm_coerce(self, value: Any, declared: Any, convert: Convert) -> Any: ...

    def xpm_describe(self, declared: Any, describe: Callable[[Any], str]) -> str: ...


@runtime_checkable
class Plain(Protocol):
    """A value that knows its YAML form (for ``--show``)."""

    def xpm_plain(self) -> Any: ...


def _coercer(metadata) -> Optional[Coercer]:
    return next((m for m in metadata if isinstance(m, Coercer)), None)


def is_schema(tp) -> bool:
    return isinstance(tp, type) and (attrs.has(tp) or dataclasses.is_dataclass(tp))


class _Field(typing.NamedTuple):
    name: str  # the key in the YAML file
    init: str  # the keyword of the constructor
    type: Any
    has_default: bool
    default_factory: Any  # () -> default value, when has_default


def _fields(cls) -> List[_Field]:
    out = []
    if attrs.has(cls):
        try:
            attrs.resolve_types(cls)
        except NameError as exc:
            raise ConfigError(f"{cls.__qualname__}: cannot resolve a field type ({exc})") from None
        for a in attrs.fields(cls):
            if not a.init:
                continue
            default = a.default
            if default is attrs.NOTHING or default == MISSING:
                factory, has = None, False
            elif isinstance(default, attrs.Factory):  # type: ignore[arg-type]
                if default.takes_self:
                    factory, has = None, True  # left to attrs
                else:
                    factory, has = default.factory, True
            else:
                factory, has = (lambda d=default: d), True
            out.append(_Field(a.name, getattr(a, "alias", None) or a.name.lstrip("_"),
                              a.type, has, factory))
    else:
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if not f.init:
                continue
            if f.default is not dataclasses.MISSING and f.default != MISSING:
                factory, has = (lambda d=f.default: d), True
            elif f.default_factory is not dataclasses.MISSING:
                factory, has = f.default_factory, True
            else:
                factory, has = None, False
            out.append(_Field(f.name, f.name, hints.get(f.name, Any), has, factory))
    return out


# -- type descriptions ----------------------------------------------------------------


def describe(tp) -> str:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any or tp is object:
        return "any value"
    if origin is typing.Union:
        parts = [describe(a) for a in args if a is not _NoneType]
        text = " or ".join(parts)
        return text + " or null" if _NoneType in args else text
    if origin is typing.Literal:
        return "one of " + ", ".join(repr(a) for a in args)
    if origin is typing.Annotated:
        coercer = _coercer(tp.__metadata__)
        return coercer.xpm_describe(args[0], describe) if coercer else describe(args[0])
    if origin in (list, tuple, set, frozenset, typing.Sequence, typing.List) or tp in (list, tuple):
        item = describe(args[0]) if args else "values"
        return f"a list (of {item})"
    if origin in (dict, typing.Mapping) or tp is dict:
        return f"a mapping (of {describe(args[1])})" if len(args) == 2 else "a mapping"
    if tp is bool:
        return "a boolean (true or false)"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is str:
        return "a string"
    if isinstance(tp, type) and issubclass(tp, PurePath):
        return "a path"
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return "one of " + ", ".join(str(m.value) for m in tp)
    if is_schema(tp):
        return f"a mapping ({tp.__name__})"
    return getattr(tp, "__name__", str(tp))


def _show(value) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


# -- coercion -------------------------------------------------------------------------


class _Invalid(Exception):
    """A value does not fit its type (collected, then reported all at once)."""


class _Builder:
    def __init__(self, merged: Optional[MergedConfig]):
        self.merged = merged  # None: values given in Python, not read from files
        self.errors: List[Tuple[KeyPath, str, Optional[KeyPath]]] = []

    def error(self, path: KeyPath, message: str, where: Optional[KeyPath] = None):
        self.errors.append((path, message, where))

    def raw(self, path: KeyPath) -> Optional[str]:
        if self.merged is None:
            return None
        origin = self.merged.origins.get(tuple(path))
        return origin.raw if origin is not None else None

    def build(self, cls, data, path: KeyPath, default=None):
        """An instance of the schema class cls from a mapping (``default``: the instance
        whose values fill the keys not given)."""
        if not isinstance(data, dict):
            self.error(path, f"expected {describe(cls)}, got {_show(data)}")
            raise _Invalid()
        fields = _fields(cls)
        by_name = {f.name: f for f in fields}
        ok = True
        for key in data:
            if key not in by_name:
                known = ", ".join(sorted(by_name)) or "(none)"
                close = difflib.get_close_matches(str(key), list(by_name), n=1)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                inside = f" in {format_key_path(path)}" if path else ""
                self.error((*path, key), f"unknown key {key!r}{inside} ({cls.__name__});"
                                         f" expected one of: {known}{hint}")
                ok = False
        kwargs: Dict[str, Any] = {}
        for f in fields:
            sub = (*path, f.name)
            if f.name in data:
                fdefault = None
                if is_schema(_unwrap_optional(f.type)):
                    if default is not None:
                        fdefault = getattr(default, f.name, None)
                    elif f.has_default and f.default_factory is not None:
                        fdefault = f.default_factory()
                try:
                    kwargs[f.init] = self.coerce(data[f.name], f.type, sub, fdefault)
                except _Invalid:
                    ok = False
            elif default is not None:
                kwargs[f.init] = getattr(default, f.name)
            elif not f.has_default:
                self.error(sub, f"missing required key {f.name!r} ({describe(f.type)})",
                           where=path)
                ok = False
        if not ok:
            raise _Invalid()
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as exc:
            self.error(path, f"invalid {cls.__name__}: {exc}")
            raise _Invalid() from None

    def coerce(self, value, tp, path: KeyPath, default=None):
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if tp is Any or tp is object or tp is None and value is None:
            return value
        if origin is typing.Union:
            if value is None and _NoneType in args:
                return None
            options = [a for a in args if a is not _NoneType]
            if len(options) == 1:
                return self.coerce(value, options[0], path, default)
            for option in options:
                saved = len(self.errors)
                try:
                    return self.coerce(value, option, path, default)
                except _Invalid:
                    del self.errors[saved:]
            self.error(path, f"expected {describe(tp)}, got {_show(value)}")
            raise _Invalid()
        if origin is typing.Literal:
            if value in args:
                return value
            self.error(path, f"expected {describe(tp)}, got {_show(value)}")
            raise _Invalid()
        if origin is typing.Annotated:
            coercer = _coercer(tp.__metadata__)
            if coercer is not None:
                return self._custom(coercer, value, args[0], path)
            return self.coerce(value, args[0], path, default)
        if is_schema(tp):
            return self.build(tp, value, path, default)
        if origin in (list, set, frozenset, tuple, typing.Sequence) or tp in (list, set, tuple):
            return self._sequence(value, tp, origin or tp, args, path)
        if origin in (dict, typing.Mapping) or tp is dict:
            return self._mapping(value, tp, args, path)
        return self._scalar(value, tp, path)

    def _custom(self, coercer: Coercer, value, declared, path: KeyPath):
        def convert(part, tp, relative: KeyPath = ()):
            return self.coerce(part, tp, (*path, *relative))

        try:
            return coercer.xpm_coerce(value, declared, convert)
        except InvalidValue as exc:
            for relative, message in exc.problems:
                self.error((*path, *relative), message)
            raise _Invalid() from None

    def _sequence(self, value, tp, kind, args, path):
        if not isinstance(value, list):
            self.error(path, f"expected {describe(tp)}, got {_show(value)}")
            raise _Invalid()
        if kind is tuple and args and not (len(args) == 2 and args[1] is Ellipsis):
            if len(value) != len(args):
                self.error(path, f"expected a list of {len(args)} items, got {len(value)}")
                raise _Invalid()
            types = list(args)
        else:
            types = [args[0] if args else Any] * len(value)
        items, ok = [], True
        for i, (item, item_type) in enumerate(zip(value, types)):
            try:
                items.append(self.coerce(item, item_type, (*path, i)))
            except _Invalid:
                ok = False
        if not ok:
            raise _Invalid()
        if kind in (set, frozenset):
            return kind(items)
        return tuple(items) if kind is tuple else items

    def _mapping(self, value, tp, args, path):
        if not isinstance(value, dict):
            self.error(path, f"expected {describe(tp)}, got {_show(value)}")
            raise _Invalid()
        key_type, value_type = args if len(args) == 2 else (Any, Any)
        out, ok = {}, True
        for k, v in value.items():
            try:
                # (the key's own path has no origin: the raw text of a -c value is not a key)
                key = self.coerce(k, key_type, (*path, k, "<key>"))
                out[key] = self.coerce(v, value_type, (*path, k))
            except _Invalid:
                ok = False
        if not ok:
            raise _Invalid()
        return out

    def _scalar(self, value, tp, path):
        fail = False
        if tp is bool:
            if isinstance(value, bool):
                return value
            fail = True
        elif tp is int:
            if isinstance(value, int) and not isinstance(value, bool):
                return value
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, str):
                try:
                    return int(value.strip())
                except ValueError:
                    pass
            fail = True
        elif tp is float:
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return float(value)
            if isinstance(value, str):
                # YAML 1.1 reads 1e-3 (no dot) as a string
                try:
                    return float(value.strip())
                except ValueError:
                    pass
            fail = True
        elif tp is str:
            raw = self.raw(path)
            if raw is not None:
                return raw
            if isinstance(value, str):
                return value
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                return str(value)
            fail = True
        elif isinstance(tp, type) and issubclass(tp, PurePath):
            if isinstance(value, (str, PurePath)):
                return tp(value)
            fail = True
        elif isinstance(tp, type) and issubclass(tp, enum.Enum):
            if isinstance(value, tp):
                return value
            for member in tp:
                if value == member.value or (isinstance(value, str) and isinstance(
                        member.value, str) and value.lower() == member.value.lower()):
                    return member
                if isinstance(value, str) and value.lower() == member.name.lower():
                    return member
            fail = True
        elif isinstance(tp, type):
            if isinstance(value, tp):
                return value
            try:
                return tp(value)
            except Exception:  # noqa: BLE001 - reported below
                fail = True
        else:
            return value
        if fail:
            hint = ""
            if tp is str and isinstance(value, bool):
                hint = " (quote it to get a string)"
            self.error(path, f"expected {describe(tp)}, got {_show(value)}{hint}")
            raise _Invalid()
        return value


def _unwrap_optional(tp):
    if typing.get_origin(tp) is typing.Union:
        options = [a for a in typing.get_args(tp) if a is not _NoneType]
        if len(options) == 1:
            return options[0]
    return tp


def build_configuration(schema, merged: MergedConfig):
    """An instance of ``schema`` from the merged data; raises ConfigError listing every
    problem (file:line: key: what is expected)."""
    builder = _Builder(merged)
    try:
        return builder.build(schema, merged.data, ())
    except _Invalid:
        pass
    raise problems_error(merged, builder.errors)


def problems_error(merged: MergedConfig, problems) -> ConfigError:
    """One ConfigError for problems (key path, message[, key path of the place to show]),
    each line saying where its key was set (file:line, or the -c option)."""
    found = []
    for path, message, *where in problems:
        shown = where[0] if where and where[0] is not None else path
        origin = merged.origin(shown)
        found.append(((origin.source, origin.line or 0), f"{origin}: {format_key_path(path)}: {message}"))
    found.sort(key=lambda item: item[0])
    lines = [line for _, line in found]
    if len(lines) == 1:
        return ConfigError(f"invalid configuration: {lines[0]}")
    return ConfigError("invalid configuration:\n" + "\n".join(f"  {line}" for line in lines))


def convert(value, tp):
    """``value`` converted to ``tp`` by the rules of the YAML schema (for values given in
    Python); raises InvalidValue listing what does not fit."""
    builder = _Builder(None)
    try:
        return builder.coerce(value, tp, ())
    except _Invalid:
        raise InvalidValue([(path, message) for path, message, _ in builder.errors]) from None


def field_types(cls) -> Dict[str, Any]:
    """The YAML keys of a schema class and their declared types."""
    return {f.name: f.type for f in _fields(cls)}


def to_plain(value):
    """JSON/YAML-friendly data from a configuration instance."""
    if isinstance(value, Plain):
        return to_plain(value.xpm_plain())
    if is_schema(type(value)):
        if attrs.has(type(value)):
            names = [a.name for a in attrs.fields(type(value))]
        else:
            names = [f.name for f in dataclasses.fields(value)]
        return {name: to_plain(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return to_plain(value.value)
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_plain(v) for v in value]
    if isinstance(value, dict):
        return {to_plain(k): to_plain(v) for k, v in value.items()}
    return value
