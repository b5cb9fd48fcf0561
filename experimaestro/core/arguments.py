"""Field markers (Param, Meta, Constant, DataPath), `field()` and parameter groups.

A field is declared with an annotation: ``x: Param[int]`` is ``Annotated[int, PARAM]``.
The markers are plain objects found in the ``Annotated`` metadata when a class is analysed.
"""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Callable, List, Optional

__all__ = [
    "Param",
    "Meta",
    "Option",
    "Constant",
    "DataPath",
    "OptionalDataPath",
    "field",
    "help",
    "Array",
    "param_group",
    "ParameterGroup",
    "Argument",
    "MISSING",
]


class _Missing:
    """Sentinel: no value / no default."""

    __slots__ = ()

    def __repr__(self):
        return "MISSING"

    def __bool__(self):
        return False


MISSING: Any = _Missing()


class FieldKind:
    """What a field is: hashed parameter, meta (not hashed) or constant."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"<{self.name}>"


PARAM = FieldKind("Param")
META = FieldKind("Meta")
CONSTANT = FieldKind("Constant")


class DataPathMarker:
    """Marks a Path field whose file or folder is copied when the config is serialized."""

    __slots__ = ()

    def __repr__(self):
        return "<DataPath>"


DATAPATH = DataPathMarker()


class _KindAnnotation:
    kind: FieldKind

    def __class_getitem__(cls, tp):
        return Annotated[tp, cls.kind]


# Type checkers see `Param[int]` as `int` (generic aliases of Annotated); the plugin
# experimaestro.mypy tells the kinds apart by the names of the aliases
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")
    Param = Annotated[T, PARAM]
    Meta = Annotated[T, META]
    Option = Annotated[T, META]
    Constant = Annotated[T, CONSTANT]
else:

    class Param(_KindAnnotation):
        """``x: Param[T]``: a parameter, part of the identifier."""

        kind = PARAM

    class Meta(_KindAnnotation):
        """``x: Meta[T]``: a meta-parameter, ignored by the identifier."""

        kind = META

    #: Deprecated alias of :class:`Meta`
    Option = Meta

    class Constant(_KindAnnotation):
        """``x: Constant[T] = v``: a read-only value, always part of the identifier."""

        kind = CONSTANT


#: A path whose content is copied by :func:`experimaestro.save` / :func:`serialize`
DataPath = Annotated[Path, DATAPATH]
#: A DataPath that may be left unset (None)
OptionalDataPath = Annotated[Optional[Path], DATAPATH]


class help:
    """``x: Annotated[int, help("the number of layers")]``: the documentation of a field.

    As in 2.x, a field annotated with ``help(...)`` alone is a parameter (``Param``);
    ``Param[Annotated[int, help("...")]]`` and ``field(help="...")`` say the same.
    """

    __slots__ = ("text",)

    def __init__(self, text: str):
        if not isinstance(text, str):
            raise TypeError(f"help(...): expected the text of the help, got {text!r}")
        self.text = text

    def __repr__(self):
        return f"help({self.text!r})"


def Array(tp):
    """``Param[Array(T)]``: the 2.x spelling of ``Param[List[T]]`` (the same field, the
    same identifiers)."""
    return List[tp]


class ParameterGroup:
    """A named group of parameters, used by partial identifiers."""

    __slots__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def __repr__(self):
        return f"param_group({self.name!r})"

    def __eq__(self, other):
        return isinstance(other, ParameterGroup) and other.name == self.name

    def __hash__(self):
        return hash(("ParameterGroup", self.name))


def param_group(name: str) -> ParameterGroup:
    """Create a parameter group, for ``field(groups=[...])`` and :func:`partial`."""
    return ParameterGroup(name)


class field:
    """Extra properties of a field: its default, and whether the default is hashed.

    - ``field(default=v)``: the default is always part of the identifier;
    - ``field(default=v, ignore_default=True)``: a value equal to the default is left out
      of the identifier (the behaviour of the bare form ``x: Param[int] = v``);
    - ``field(default_factory=f)``: ``f()`` gives the default of each new config;
    - ``field(default_factory=PathGenerator("out.txt"))``: a path in the job folder.
    """

    __slots__ = (
        "default",
        "default_factory",
        "ignore_default",
        "ignore_generated",
        "overrides",
        "groups",
        "help",
    )

    def __init__(
        self,
        *,
        default: Any = MISSING,
        default_factory: Optional[Callable] = None,
        ignore_default: Any = None,
        ignore_generated: bool = False,
        overrides: bool = False,
        groups: Optional[list] = None,
        help: Optional[str] = None,
    ):
        # field(default=None) is hashed as if there were no default (and, like any field(),
        # makes the field optional)
        if default is None:
            default = MISSING
        if ignore_default is not None and not isinstance(ignore_default, bool):
            # Legacy form: field(ignore_default=v) declares v as an ignored default
            if default is not MISSING or default_factory is not None:
                raise TypeError(
                    "field(): a non-boolean ignore_default is the legacy way of giving a"
                    " default; do not combine it with default= or default_factory="
                )
            default, ignore_default = ignore_default, True
        if default is not MISSING and default_factory is not None:
            raise TypeError("field(): give either default= or default_factory=, not both")
        if groups is not None:
            for g in groups:
                if not isinstance(g, ParameterGroup):
                    raise TypeError(
                        f"field(groups=...): expected groups made by param_group(), got {g!r}"
                    )
        self.default = default
        self.default_factory = default_factory
        self.ignore_default = bool(ignore_default)
        self.ignore_generated = ignore_generated
        self.overrides = overrides
        self.groups = frozenset(groups or ())
        self.help = help

    def __repr__(self):
        parts = []
        if self.default is not MISSING:
            parts.append(f"default={self.default!r}")
        if self.default_factory is not None:
            parts.append(f"default_factory={self.default_factory!r}")
        if self.ignore_default:
            parts.append("ignore_default=True")
        return f"field({', '.join(parts)})"


class Argument:
    """One declared field of a configuration class (``Cls.__xpmtype__.arguments[name]``)."""

    __slots__ = (
        "name",
        "name_bytes",
        "type",
        "kind",
        "owner",
        "default",
        "declared_default",
        "factory",
        "generator",
        "ignore_default",
        "optional",
        "required",
        "is_data",
        "groups",
        "overrides",
        "_help",
        "hash_static_skip",
        "is_path_type",
        "exact_type",
        "hash_prefix",
        "checker",
    )

    def __init__(self, name, type, kind, owner):
        self.name = name
        self.name_bytes = name.encode("utf-8")
        #: how the argument starts in the identifier encoding: 03 <name> 05
        self.hash_prefix = b"\x03" + self.name_bytes + b"\x05"
        self.type = type
        self.kind = kind
        self.owner = owner
        self.default = MISSING
        #: the default as declared, before conversion to the field's type: what 2.x
        #: compares values with to leave a default out of identifiers (ignore_default)
        self.declared_default = MISSING
        self.factory = None
        self.generator = None
        self.ignore_default = False
        self.optional = False
        self.required = True
        self.is_data = False
        self.groups = frozenset()
        self.overrides = False
        self._help = None
        self.hash_static_skip = False
        self.is_path_type = False
        #: values of exactly this Python type need no check (int, float, str, bool fields)
        self.exact_type = None
        #: a experimaestro.checkers.Checker given in Annotated[...] (None: only the type)
        self.checker = None

    # Names used by client packages
    @property
    def ignored(self) -> bool:
        """True for meta fields (not part of the identifier)"""
        return self.kind is META

    @property
    def constant(self) -> bool:
        return self.kind is CONSTANT

    @property
    def is_meta(self) -> bool:
        return self.kind is META

    @property
    def help(self) -> Optional[str]:
        if self._help is None:
            from .documentation import field_help

            self._help = field_help(self.owner, self.name) or ""
        return self._help or None

    def __repr__(self):
        return f"Argument({self.owner.__qualname__}.{self.name}: {self.kind.name}[{self.type}])"
