"""Type descriptors: validation and coercion of field values.

Each descriptor's ``validate(value)`` returns the (possibly coerced) value or raises
:class:`~experimaestro.core.errors.Invalid`; the caller turns that into a
:class:`ValidationError` naming the class and field path.
"""

import enum
import sys
from abc import ABC, abstractmethod
import typing
from pathlib import Path, PurePath
from typing import Annotated, Any, Union

from .errors import Invalid

__all__ = ["Type", "ObjectType", "SubmitHook", "type_from_annotation"]

_INT64 = 2.0**63
_TRUE = frozenset(("true", "yes", "on", "1", "y", "t"))
_FALSE = frozenset(("false", "no", "off", "0", "n", "f"))


class Type:
    """Base of type descriptors."""

    name = "any"
    #: True when the values of this type are paths (hashing ignores Path fields)
    is_path = False

    def validate(self, value):
        return value

    def __str__(self):
        return self.name

    __repr__ = __str__


class AnyType(Type):
    name = "Any"


class IntType(Type):
    name = "int"

    def validate(self, value):
        t = type(value)
        if t is int:
            return value
        if t is bool or isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            if not value.is_integer():
                raise Invalid("int", value, hint="the float has a fractional part")
            if not -_INT64 < value < _INT64:  # (as 2.x's pydantic: out of 64 bits)
                raise Invalid("int", value, hint="the float is out of the 64-bit range")
            return int(value)
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                raise Invalid("int", value) from None
        raise Invalid("int", value)


class FloatType(Type):
    name = "float"

    def validate(self, value):
        t = type(value)
        if t is float:
            return value
        if isinstance(value, (int, float)):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value.strip())
            except ValueError:
                raise Invalid("float", value) from None
        raise Invalid("float", value)


class BoolType(Type):
    name = "bool"

    def validate(self, value):
        if type(value) is bool:
            return value
        if isinstance(value, (int, float)):
            if value == 1:
                return True
            if value == 0:
                return False
            raise Invalid("bool", value, hint="only 0 and 1 convert to a boolean")
        if isinstance(value, str):
            low = value.strip().lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise Invalid(
                "bool", value, hint="accepted strings: true/false, yes/no, on/off, 1/0"
            )
        raise Invalid("bool", value)


class StrType(Type):
    name = "str"

    def validate(self, value):
        if isinstance(value, str):
            return value
        raise Invalid("str", value, hint="convert it with str() if this is intended")


class PathType(Type):
    name = "Path"
    is_path = True

    def validate(self, value):
        if isinstance(value, Path):
            return value
        if isinstance(value, (str, PurePath)) or hasattr(value, "__fspath__"):
            return Path(value)
        raise Invalid("a path (str or pathlib.Path)", value)


class EnumType(Type):
    def __init__(self, cls):
        self.cls = cls
        self.name = cls.__qualname__

    def validate(self, value):
        cls = self.cls
        if isinstance(value, cls):
            return value
        if isinstance(value, str) and not isinstance(value, enum.Enum):
            try:
                return cls[value]
            except KeyError:
                pass
        members = ", ".join(cls.__members__)
        raise Invalid(f"a member of {self.name} ({members})", value)


class ListType(Type):
    def __init__(self, inner: Type):
        self.inner = inner
        self.name = f"list[{inner}]"

    def validate(self, value):
        if not isinstance(value, list):
            hint = "use a list, not a tuple" if isinstance(value, tuple) else ""
            raise Invalid(self.name, value, hint=hint)
        inner = self.inner
        exact = _SCALARS.get(type(inner))
        if exact is not None and value and type(value[0]) is exact \
                and len(set(map(type, value))) == 1:
            return list(value)  # nothing to convert
        check = inner.validate
        out = []
        append = out.append
        i = 0
        try:
            for i, x in enumerate(value):
                append(check(x))
        except Invalid as e:
            raise e.at(f"[{i}]")
        return out


class SetType(Type):
    def __init__(self, inner: Type):
        self.inner = inner
        self.name = f"set[{inner}]"

    def validate(self, value):
        if not isinstance(value, (set, frozenset)):
            raise Invalid(self.name, value, hint="use a set, e.g. sealed_set(...)")
        check = self.inner.validate
        out = set()
        for x in value:
            try:
                out.add(check(x))
            except Invalid as e:
                raise e.at(f"{{{x!r}}}")
        return out


class DictType(Type):
    def __init__(self, key: Type, value: Type):
        self.key = key
        self.value = value
        self.name = f"dict[{key}, {value}]"

    def validate(self, value):
        if not isinstance(value, dict):
            raise Invalid(self.name, value)
        kcheck, vcheck = self.key.validate, self.value.validate
        out = {}
        for k, v in value.items():
            try:
                ck = kcheck(k)
            except Invalid as e:
                raise e.at(f"[key {k!r}]")
            try:
                out[ck] = vcheck(v)
            except Invalid as e:
                raise e.at(f"[{k!r}]")
        return out


class TupleType(Type):
    def __init__(self, items: list, ellipsis: bool = False):
        self.items = items
        self.ellipsis = ellipsis
        inner = ", ".join(map(str, items)) + (", ..." if ellipsis else "")
        self.name = f"tuple[{inner}]"

    def validate(self, value):
        if not isinstance(value, (tuple, list)):
            raise Invalid(self.name, value)
        if self.ellipsis:
            check = self.items[0].validate
            return tuple(check(x) for x in value)
        if len(value) != len(self.items):
            raise Invalid(self.name, value, hint=f"expected {len(self.items)} items")
        out = []
        for i, (t, x) in enumerate(zip(self.items, value)):
            try:
                out.append(t.validate(x))
            except Invalid as e:
                raise e.at(f"[{i}]")
        return tuple(out)


class OptionalType(Type):
    def __init__(self, inner: Type):
        self.inner = inner
        self.name = f"Optional[{inner}]"
        self.is_path = inner.is_path

    def validate(self, value):
        if value is None:
            return None
        return self.inner.validate(value)


class UnionType(Type):
    def __init__(self, options: list):
        self.options = options
        self.name = " | ".join(map(str, options))

    def validate(self, value):
        # As 2.x (pydantic's left-to-right union): the first option that accepts the
        # value, converting it (0 in float | int becomes 0.0, "1" in int | str becomes 1)
        for t in self.options:
            if isinstance(t, ConfigType):
                if t.accepts(value):
                    return t.validate(value)
                continue
            try:
                return t.validate(value)
            except Invalid:
                pass
        raise Invalid(self.name, value)


class ConfigType(Type):
    """A field holding a configuration of a given class (or a subclass)."""

    def __init__(self, cls):
        self.cls = cls
        self.name = cls.__qualname__
        # As 2.x: the declared class decides whether the value must be a submitted task
        # (a Param[SomeTask]); a Param[IDList] may hold an unsubmitted task subclass
        self.needs_submitted = getattr(cls, "__xpm_is_job_task__", False)

    def accepts(self, value) -> bool:
        return getattr(value, "__xpm__", None) is not None and isinstance(value, self.cls)

    def validate(self, value):
        if isinstance(value, self.cls):
            xpm = getattr(value, "__xpm__", None)
            if xpm is None:
                raise Invalid(
                    f"a configuration {self.name}",
                    value,
                    hint=f"this is an instance; pass a configuration made with {self.name}.C(...)",
                )
            if self.needs_submitted and xpm.is_unsubmitted_task():
                raise Invalid(
                    f"a configuration {self.name}",
                    value,
                    hint="this task was not submitted: pass the value returned by .submit()",
                )
            return value
        if isinstance(value, type) and issubclass(value, self.cls):
            hint = f"this is the class; build a configuration with {value.__qualname__}.C(...)"
            raise Invalid(f"a configuration {self.name}", value, hint=hint)
        raise Invalid(f"a configuration {self.name}", value)


class GenericConfigType(ConfigType):
    """A field holding configurations of a generic class, ``Sampler[Item]``: as in 2.x,
    a value whose class fixes the type arguments (``class IntSampler(Sampler[int])``)
    must fix compatible ones; whether a task was submitted is not checked."""

    def __init__(self, cls, args):
        super().__init__(cls)
        self.args = args
        self.name = f"{cls.__qualname__}[{', '.join(map(_type_name, args))}]"
        self.needs_submitted = False

    def validate(self, value):
        value = super().validate(value)
        actual = _generic_arguments(type(value), self.cls)
        for expected, given in zip(self.args, actual or ()):
            if not _compatible(given, expected):
                raise Invalid(
                    f"a configuration {self.name}", value,
                    hint=f"its class fixes the type argument {_type_name(given)}, not"
                    f" compatible with {_type_name(expected)}",
                )
        return value


def _type_name(t) -> str:
    return getattr(t, "__qualname__", None) or repr(t)


def _generic_arguments(cls, origin):
    """The type arguments that cls (or a base class) gives to the generic class origin."""
    for klass in cls.__mro__:
        for base in klass.__dict__.get("__orig_bases__", ()):
            if typing.get_origin(base) is origin:
                return typing.get_args(base)
    return None


def _compatible(given, expected) -> bool:
    if expected is Any or given is Any or isinstance(given, typing.TypeVar) \
            or isinstance(expected, typing.TypeVar):
        return True
    if isinstance(expected, type) and isinstance(given, type):
        return issubclass(given, expected)
    if typing.get_origin(expected) is Union or _is_pep604(expected):
        return any(_compatible(given, e) for e in typing.get_args(expected))
    return expected == given


_SCALARS = {IntType: int, FloatType: float, StrType: str, BoolType: bool}
_BUILTINS = {
    int: IntType(),
    float: FloatType(),
    str: StrType(),
    bool: BoolType(),
    Path: PathType(),
    PurePath: PathType(),
    Any: AnyType(),
    object: AnyType(),
}


def type_from_annotation(tp, where: str, resolve=None) -> Type:
    """The descriptor for a (marker-free) annotation; `where` names the field in errors.

    `resolve` turns the forward references nested in the annotation (``list["Node"]``)
    into classes.
    """
    if resolve is not None and isinstance(tp, (str, typing.ForwardRef)):
        tp = resolve(tp)
    found = _BUILTINS.get(tp)
    if found is not None:
        return found
    if tp is None or tp is type(None):
        return OptionalType(AnyType())
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Annotated:
        return type_from_annotation(args[0], where, resolve)
    if origin is Union or (sys.version_info >= (3, 10) and _is_pep604(tp)):
        options = [a for a in args if a is not type(None)]
        inner = (
            type_from_annotation(options[0], where, resolve)
            if len(options) == 1
            else UnionType([type_from_annotation(a, where, resolve) for a in options])
        )
        return OptionalType(inner) if len(options) < len(args) else inner
    if origin in (list, typing.List) or tp is list:
        return ListType(type_from_annotation(args[0], where, resolve) if args else AnyType())
    if origin in (set, frozenset) or tp in (set, frozenset):
        return SetType(type_from_annotation(args[0], where, resolve) if args else AnyType())
    if origin is dict or tp is dict:
        if args:
            return DictType(
                type_from_annotation(args[0], where, resolve),
                type_from_annotation(args[1], where, resolve),
            )
        return DictType(AnyType(), AnyType())
    if origin is tuple or tp is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return TupleType([type_from_annotation(args[0], where, resolve)], ellipsis=True)
        items = [type_from_annotation(a, where, resolve) for a in args]
        return TupleType(items or [AnyType()], not args)
    if isinstance(tp, type):
        if issubclass(tp, enum.Enum):
            return EnumType(tp)
        if getattr(tp, "__xpm_config_class__", False):
            return ConfigType(tp)
        if issubclass(tp, Path):
            return PathType()
    if isinstance(origin, type) and getattr(origin, "__xpm_config_class__", False):
        # A generic configuration class (class Sampler(Config, Generic[T])): Sampler[Item]
        # holds Sampler configurations; its type arguments do not enter identifiers (and,
        # as in 2.x, such a field does not check that a task was submitted)
        return GenericConfigType(origin, args)
    if isinstance(tp, typing.TypeVar):
        bound = tp.__bound__
        if isinstance(bound, type) and getattr(bound, "__xpm_config_class__", False):
            return ConfigType(bound)
        return AnyType()
    if origin is typing.Literal:
        return LiteralType(args)
    raise TypeError(
        f"{where}: unsupported type {tp!r}; use int, float, str, bool, Path, an Enum,"
        " a configuration class, or list/dict/set/Optional of those"
    )


class LiteralType(Type):
    def __init__(self, values):
        self.values = values
        self.name = f"one of {', '.join(map(repr, values))}"

    def validate(self, value):
        if value in self.values:
            return value
        raise Invalid(self.name, value)


def _is_pep604(tp) -> bool:
    import types

    return isinstance(tp, types.UnionType)


class ObjectType:
    """What experimaestro knows of a configuration class (``Cls.__xpmtype__``)."""

    def __init__(self, cls, identifier: str, arguments: dict):
        self.configtype = cls
        self.objecttype = cls
        self.identifier = TypeIdentifier(identifier)
        self.arguments = arguments
        #: fields sorted by name (code point order), the order of the identifier
        self.sorted_arguments = [arguments[k] for k in sorted(arguments)]
        self.identifier_bytes = identifier.encode("utf-8")
        self.task = getattr(cls, "__xpm_is_task__", False)
        self.name = identifier
        self.deprecated_params: dict = {}
        #: the compiled argument loop of identifiers (see hashplan.py), made on first use
        self.hash_plan = None
        #: Meta fields whose default_factory runs when a config is sealed (analysis.py)
        self.made_when_sealed = ()
        #: marked with @deprecate (identifiers are those of the converted config)
        self.deprecated = "__xpm_deprecated__" in cls.__dict__

    @property
    def description(self) -> str:
        import inspect

        return inspect.cleandoc(self.configtype.__doc__ or "")

    @property
    def title(self) -> str:
        return (self.description.split("\n", 1)[0]) if self.description else self.name

    def __repr__(self):
        return f"ObjectType({self.identifier})"


class TypeIdentifier(str):
    """A type identifier (a str, with the ``.name`` attribute of 2.x)."""

    @property
    def name(self) -> str:
        return str(self)


class SubmitHook(ABC):
    """Hook called before a job is submitted (e.g. to change its environment).

    Subclasses implement ``process(job, launcher)`` and ``spec()`` (a hashable tuple used
    for equality). An instance decorates configuration classes (``@needs_java(11)``):
    every job whose task is, or holds, a configuration of such a class (or of a subclass)
    is processed by the hook when it is submitted, before its folder is written.
    """

    def __call__(self, cls):
        if not getattr(cls, "__xpm_config_class__", False):
            raise TypeError(
                f"{type(self).__qualname__}(...) decorates configuration classes"
                f" (Config or Task subclasses), not {cls!r}"
            )
        hooks = cls.__dict__.get("__xpm_submit_hooks__", ())
        if self not in hooks:
            type.__setattr__(cls, "__xpm_submit_hooks__", hooks + (self,))
        return cls

    @abstractmethod
    def process(self, job, launcher):
        """Apply the hook to the job, for this launcher."""

    @abstractmethod
    def spec(self):
        """A hashable description of the hook (for equality)."""

    def __eq__(self, other):
        return type(self) is type(other) and self.spec() == other.spec()

    def __hash__(self):
        return hash((type(self), self.spec()))

    def __repr__(self):
        return f"{type(self).__qualname__}({self.spec()!r})"


def submit_hooks_of(cls) -> tuple:
    """The submit hooks of a configuration class and of its base classes."""
    hooks = ()
    for klass in reversed(cls.__mro__):
        for hook in klass.__dict__.get("__xpm_submit_hooks__", ()):
            if hook not in hooks:
                hooks += (hook,)
    return hooks
