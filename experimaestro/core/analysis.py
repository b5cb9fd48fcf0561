"""Reading a configuration class: its type id and its fields (``Cls.__xpmtype__``).

The analysis is lazy (on first use) because field annotations may name classes that are
declared later in the same module.
"""

import copy as _copy
import enum
import sys
import types
import typing
import warnings
from pathlib import Path

from .arguments import (
    CONSTANT,
    DATAPATH,
    META,
    MISSING,
    PARAM,
    Argument,
    FieldKind,
    field,
    help as HelpText,
)
from experimaestro.checkers import Checker

from .errors import Invalid, ValidationError
from .partial import Partial
from .types import ObjectType, OptionalType, Type, type_from_annotation

_IMMUTABLE = (int, float, str, bool, bytes, type(None), enum.Enum, Path, frozenset)


def type_identifier(cls) -> str:
    """The type id, lowercased: the class's own ``__xpmid__`` (a string, or a method
    returning one), an inherited ``__xpmid__`` classmethod, or ``module.qualname``."""
    xpmid = cls.__dict__.get("__xpmid__") or cls.__dict__.get("__xpm_base_id__")
    # (types.MethodType, not inspect.ismethod: inspect costs ~7 ms to import in each job)
    if xpmid is None and isinstance(getattr(cls, "__xpmid__", None), types.MethodType):
        xpmid = cls.__xpmid__  # a classmethod of a base class: 2.x calls it for subclasses
    if xpmid is not None:
        if isinstance(xpmid, (classmethod, staticmethod)):
            xpmid = xpmid.__get__(None, cls)()
        elif callable(xpmid):
            xpmid = xpmid()
        if not isinstance(xpmid, str):
            raise TypeError(f"{cls.__qualname__}.__xpmid__ must be a string, got {xpmid!r}")
        return xpmid.lower()
    return f"{cls.__module__}.{cls.__qualname__}".lower()


def _own_annotations(cls) -> dict:
    ann = cls.__dict__.get("__annotations__")
    if ann is None and sys.version_info >= (3, 14):  # pragma: no cover
        import annotationlib

        ann = annotationlib.get_annotations(cls)
    return ann or {}


def _resolve(cls, name, annotation):
    if isinstance(annotation, str):
        module = sys.modules.get(cls.__module__)
        globalns = dict(vars(module)) if module else {}
        localns = dict(vars(cls))
        localns.setdefault(cls.__name__, cls)
        try:
            annotation = eval(annotation, globalns, localns)  # noqa: S307 (annotation text)
        except Exception as exc:
            raise TypeError(
                f"{cls.__qualname__}.{name}: cannot resolve the annotation {annotation!r}: {exc}"
            ) from exc
    if isinstance(annotation, typing.ForwardRef):
        return _resolve(cls, name, annotation.__forward_arg__)
    return annotation


def _nested_resolver(cls, name):
    return lambda annotation: _resolve(cls, name, annotation)


def _markers(annotation):
    """Split ``Annotated[T, markers...]`` (possibly nested) into (T, [markers])."""
    markers = []
    while typing.get_origin(annotation) is typing.Annotated:
        args = typing.get_args(annotation)
        annotation = args[0]
        markers.extend(args[1:])
    return annotation, markers


def analyse(cls) -> ObjectType:
    """Build the ObjectType of a config class (called once per class)."""
    from .generators import Generator, pathgenerator_marker_default
    from .deprecation import DeprecatedParam

    arguments: dict = {}
    deprecated_params: dict = {}
    # Base classes first, so that a subclass declaration replaces its parent's
    for klass in reversed(cls.__mro__):
        if not getattr(klass, "__xpm_config_class__", False) or klass.__dict__.get(
            "__xpm_value_of__"
        ):
            continue
        for name, value in klass.__dict__.items():
            if isinstance(value, DeprecatedParam):
                deprecated_params[name] = value
            elif isinstance(value, Partial) and value.name is None:
                value.name = name  # its folder in partials/, as 2.x names it
        for name, annotation in _own_annotations(klass).items():
            annotation = _resolve(klass, name, annotation)
            base, markers = _markers(annotation)
            if isinstance(base, str):
                base = _resolve(klass, name, base)
                base, more = _markers(base)
                markers.extend(more)
            kind = None
            marked = False  # by help(...): a parameter, as any 2.x annotation makes one
            is_data = False
            generator = None
            help_text = None
            checker = None
            for m in markers:
                if isinstance(m, FieldKind):
                    kind = m
                elif m is DATAPATH:
                    is_data = True
                elif isinstance(m, Generator):
                    generator = m
                elif isinstance(m, str):
                    help_text = m
                elif isinstance(m, HelpText):
                    help_text = m.text
                    marked = True
                elif isinstance(m, Checker):
                    checker = m
                else:
                    g = pathgenerator_marker_default(m)
                    if g is not None:
                        generator = g
            if kind is None:
                if is_data or checker is not None or marked:
                    # (x: Annotated[str, Choices([...])] is a parameter, as in 2.x)
                    kind = PARAM
                elif generator is not None:
                    kind = META
                else:
                    continue  # a plain annotation: not a field
            where = f"{klass.__qualname__}.{name}"
            previous = arguments.get(name)
            resolve = _nested_resolver(klass, name)
            arg = Argument(name, type_from_annotation(base, where, resolve), kind, klass)
            arg.is_data = is_data
            arg.checker = checker
            if help_text:
                arg._help = help_text
            _read_default(klass, arg, generator, where)
            if previous is not None and not arg.overrides:
                if previous.kind is not arg.kind or str(previous.type) != str(arg.type):
                    if not _narrows(previous.type, arg.type):
                        warnings.warn(
                            f"{where} redeclares the field of {previous.owner.__qualname__}"
                            f" with another kind or type ({previous.kind.name}[{previous.type}]"
                            f" -> {arg.kind.name}[{arg.type}]); add field(overrides=True)"
                            " if this is intended",
                            stacklevel=3,
                        )
            arguments[name] = arg
    # A class attribute set in a subclass without annotation overrides the default
    for name, arg in arguments.items():
        for klass in cls.__mro__:
            if klass is arg.owner:
                break
            if name in klass.__dict__ and not klass.__dict__.get("__xpm_value_of__"):
                _read_default(klass, arg, None, f"{klass.__qualname__}.{name}", override=True)
                break
    otype = ObjectType(cls, type_identifier(cls), arguments)
    otype.deprecated_params = deprecated_params
    _prepare_construction(otype)
    return otype


def _narrows(old: Type, new: Type) -> bool:
    old_cls = getattr(old, "cls", None)
    new_cls = getattr(new, "cls", None)
    return (
        isinstance(old_cls, type) and isinstance(new_cls, type) and issubclass(new_cls, old_cls)
    )


def _read_default(klass, arg: Argument, generator, where: str, override=False):
    from .generators import Generator

    value = klass.__dict__.get(arg.name, MISSING)
    if value is MISSING and not override:
        value = _inherited_default(klass, arg.name)
    if isinstance(value, (property, staticmethod, classmethod)) or (
        callable(value) and getattr(value, "__xpm_deprecated_param__", False)
    ):
        value = MISSING
    ignore_default = False
    factory = None
    given_field = isinstance(value, field)
    if given_field:
        f = value
        arg.groups = f.groups
        arg.overrides = f.overrides
        if f.help:
            arg._help = f.help
        value = f.default
        factory = f.default_factory
        ignore_default = f.ignore_default
    elif value is not MISSING:
        ignore_default = True  # the bare form x: Param[int] = 3
    if isinstance(factory, Generator):
        generator, factory = factory, None
    if override and value is MISSING and factory is None and generator is None:
        return
    arg.generator = generator
    arg.factory = None
    arg.default = arg.declared_default = MISSING
    arg.ignore_default = False
    if generator is not None:
        arg.required = False
    elif factory is not None:
        arg.factory = factory
        arg.ignore_default = ignore_default
        # The reference default of a parameter (for ignore_default and None values),
        # computed and checked once; a Meta's factory runs only when a config is sealed
        # (as 2.x: it may need classes not usable yet)
        if arg.kind is not META:
            arg.declared_default = factory()
            arg.default = _checked_default(arg, arg.declared_default, where)
        arg.required = False
    elif value is not None and value is not MISSING:
        arg.declared_default = value
        arg.default = _checked_default(arg, value, where)
        arg.ignore_default = ignore_default
        arg.required = False
    else:
        # As 2.x: any field(...) (even field(ignore_generated=True)) makes it optional
        arg.required = not isinstance(arg.type, OptionalType) and not given_field
    arg.optional = not arg.required or isinstance(arg.type, OptionalType)
    arg.is_path_type = arg.type.is_path
    if arg.kind is CONSTANT:
        if arg.default is MISSING:
            raise TypeError(f"{where}: a Constant needs a value, e.g. x: Constant[int] = 1")
        arg.required = False
    arg.hash_static_skip = arg.generator is not None or arg.is_path_type
    if arg.kind is not CONSTANT and arg.checker is None:
        from .types import _SCALARS

        arg.exact_type = _SCALARS.get(type(arg.type))


def _checked_default(arg: Argument, value, where: str):
    """The default value, validated (and converted) like a value given to the field."""
    if value is None:
        return value
    try:
        value = arg.type.validate(value)
        if arg.checker is not None and not arg.checker.check(value):
            raise Invalid(str(arg.checker), value)
    except Invalid as exc:
        if arg.kind is META:
            return value  # 2.x does not check the defaults of a Meta (never hashed)
        raise ValidationError(
            exc.message(where) + " in the default value of the declaration") from None
    return value


def _inherited_default(klass, name):
    """The default a base class gives to a field that ``klass`` declares again without
    one (2.x reads the class attribute, inherited or not)."""
    for base in klass.__mro__[1:]:
        if name in base.__dict__:
            value = base.__dict__[name]
            return MISSING if callable(value) and not isinstance(value, field) else value
    return MISSING


def _prepare_construction(otype: ObjectType):
    """Precompute how a new config gets its defaults (fast path of ``Cls.C()``).

    As 2.x: a new config holds a copy of each default; the default of a parameter with a
    default_factory is the factory's value computed once for the class (``clone`` of it
    drops the values of its own generated fields); a Meta's default_factory runs only
    when the configuration is sealed (until then the field reads None)."""
    static = {}
    dynamic = []
    made_when_sealed = []
    for name, arg in otype.arguments.items():
        if arg.factory is not None and arg.kind is META:
            made_when_sealed.append(arg)
            static[name] = None  # (2.x holds None there: it counts in equality)
        elif arg.default is not MISSING and not (arg.factory is not None and arg.default is None):
            if isinstance(arg.default, _IMMUTABLE):
                static[name] = arg.default
            else:
                dynamic.append((name, _cloner(arg.default)))
        elif not arg.required:
            # Optional, PathGenerator (made when the task is submitted)...: 2.x holds None
            # for them from the start, which counts when configurations are compared
            static[name] = None
    otype.static_defaults = static
    otype.dynamic_defaults = dynamic
    otype.made_when_sealed = tuple(made_when_sealed)


def _cloner(default):
    return lambda: clone(default)


def clone(value):
    """A deep copy of a default value (configurations are copied, not shared)."""
    if isinstance(value, _IMMUTABLE):
        return value
    if isinstance(value, list):
        return [clone(v) for v in value]
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, (set, tuple)):
        return type(value)(clone(v) for v in value)
    xpm = getattr(value, "__xpm__", None)
    if xpm is not None:
        return value if xpm.sealed else clone_config(value)
    return _copy.deepcopy(value)


def clone_config(value, clone_value=None):
    """A new, unsealed configuration of the same class holding clones of the parameters
    of `value`, as 2.x copies configurations: the values of generated fields
    (default_factory, PathGenerator) and constants are left out, to be made again; the
    meta flag and tags are not copied. `clone_value` copies the values (default: clone)."""
    clone_value = clone_value or clone
    kwargs = {
        arg.name: clone_value(v)
        for arg, v in value.__xpm__.xpmvalues()
        if arg.generator is None and arg.factory is None and arg.kind is not CONSTANT
    }
    return type(value)(**kwargs)
