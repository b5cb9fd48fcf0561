"""A mypy plugin for configurations and tasks: ``plugins = experimaestro.mypy``.

With it, mypy checks ``Model.C(...)`` against the fields of ``Model``:

- ``Model.C``, ``Model.XPMConfig`` and ``Model.XPMValue`` are ``type[Model]``, and
  ``Model.C(...)`` takes the fields as keyword arguments, with their declared types:
  ``Param`` fields are required unless they have a default (an assignment, ``field(...)``
  included) or an ``Optional`` type; ``Meta`` (and ``Option``) fields are never
  required; ``Constant`` fields cannot be given. Inherited fields count.
- ``field(default=v)`` and ``field(default_factory=f)`` have the type of ``v`` and of
  what ``f`` returns (so a default of the wrong type is an error).
- The methods of configuration objects (``tag``, ``instance``, ``submit``...) are known;
  ``task.submit()`` returns what ``task_outputs`` returns when the task defines it, else
  the task itself.

The fields of each class are kept in mypy's cache (the class metadata), so that classes
of other modules are understood in incremental runs. Only mypy imports this module.
"""

from typing import Callable, Dict, List, Optional, Tuple

from mypy.mro import MroError, calculate_mro
from mypy.nodes import (
    ARG_NAMED,
    ARG_NAMED_OPT,
    Argument,
    AssignmentStmt,
    MypyFile,
    NameExpr,
    TempNode,
    TypeAlias,
    TypeInfo,
    Var,
)
from mypy.plugin import ClassDefContext, FunctionContext, MethodContext, Plugin
from mypy.plugins.common import add_attribute_to_class, add_method_to_class
from mypy.typevars import fill_typevars_with_any
from mypy.types import (
    AnyType,
    CallableType,
    Instance,
    NoneType,
    Type,
    TypeOfAny,
    TypeType,
    UnboundType,
    UnionType,
    get_proper_type,
)

CORE = "experimaestro.core.config"
#: the base classes of configurations (the plugin leaves them as they are)
BASES = {f"{CORE}.{name}" for name in
         ("Config", "LightweightTask", "Task", "ResumableTask", "InstanceConfig")}
CONFIG_MIXIN = f"{CORE}.ConfigMixin"
ARGUMENTS = "experimaestro.core.arguments"
FIELD = f"{ARGUMENTS}.field"
#: field kinds by the full name of the annotation (Param is the default kind)
KINDS = {f"{ARGUMENTS}.Meta": "meta", f"{ARGUMENTS}.Option": "meta",
         f"{ARGUMENTS}.Constant": "constant"}
#: key of the fields of a class in its metadata (kept in mypy's cache)
METADATA = "experimaestro"
#: class attributes giving the class itself
CLASS_ATTRIBUTES = ("C", "XPMConfig", "XPMValue")

#: (name, kind, has a default) of the fields a class declares
Fields = List[Tuple[str, str, bool]]


class ExperimaestroPlugin(Plugin):
    def get_base_class_hook(self, fullname: str) -> Optional[Callable[[ClassDefContext], None]]:
        if fullname in BASES or self._is_configuration(fullname):
            return _process_class
        return None

    def get_function_hook(self, fullname: str) -> Optional[Callable[[FunctionContext], Type]]:
        return _field_type if fullname == FIELD else None

    def get_method_hook(self, fullname: str) -> Optional[Callable[[MethodContext], Type]]:
        # mypy names a method after the class of the receiver: `mymodule.Learner.submit`
        owner, _, name = fullname.rpartition(".")
        if name == "submit" and self._is_configuration(owner):
            return _submit_type
        return None

    def _is_configuration(self, fullname: str) -> bool:
        symbol = self.lookup_fully_qualified(fullname)
        return symbol is not None and isinstance(symbol.node, TypeInfo) \
            and is_configuration(symbol.node)


def plugin(version: str):
    """mypy's entry point."""
    return ExperimaestroPlugin


def is_configuration(info: TypeInfo) -> bool:
    return any(base.fullname in BASES for base in info.mro)


# -- configuration classes --------------------------------------------------------


def _process_class(ctx: ClassDefContext) -> None:
    info = ctx.cls.info
    if info.fullname in BASES:
        return
    info.metadata[METADATA] = {"fields": _declared_fields(ctx, info)}
    _add_config_mixin(ctx, info)
    # A generic class gives type[G[Any]] (a class variable cannot hold type variables)
    own_type = TypeType(fill_typevars_with_any(info))
    for name in CLASS_ATTRIBUTES:
        if name not in info.names:
            add_attribute_to_class(ctx.api, ctx.cls, name, own_type, is_classvar=True)
    add_method_to_class(ctx.api, ctx.cls, "__init__", _init_arguments(info), NoneType())


def _declared_fields(ctx: ClassDefContext, info: TypeInfo) -> Fields:
    """The fields the class body declares (annotated names, not ClassVar, not private)."""
    fields = []
    for stmt in info.defn.defs.body:
        if not isinstance(stmt, AssignmentStmt) or stmt.unanalyzed_type is None:
            continue
        for lvalue in stmt.lvalues:
            if not isinstance(lvalue, NameExpr) or lvalue.name.startswith("_"):
                continue
            var = info.names.get(lvalue.name)
            if var is None or not isinstance(var.node, Var) or var.node.is_classvar:
                continue
            kind = _kind(ctx, stmt.unanalyzed_type)
            fields.append((lvalue.name, kind, not isinstance(stmt.rvalue, TempNode)))
    return fields


def _kind(ctx: ClassDefContext, annotation) -> str:
    """param, meta or constant, from the annotation as written (``Meta[int]``)."""
    if not isinstance(annotation, UnboundType):
        return "param"
    node = _resolve(ctx, annotation.name)
    return KINDS.get(getattr(node, "fullname", ""), "param")


def _resolve(ctx: ClassDefContext, name: str):
    """What a (dotted) name in the class's module refers to: ``Meta``, ``xpm.Meta``."""
    first, *rest = name.split(".")
    symbol = ctx.api.lookup_qualified(first, ctx.cls, suppress_errors=True)
    node = symbol.node if symbol is not None else None
    for part in rest:
        if not isinstance(node, MypyFile):
            return None
        symbol = ctx.api.lookup_fully_qualified_or_none(f"{node.fullname}.{part}")
        node = symbol.node if symbol is not None else None
    return node if isinstance(node, (TypeAlias, TypeInfo)) else None


def _init_arguments(info: TypeInfo) -> List[Argument]:
    """Keyword arguments of ``Cls.C(...)``: the fields of the class and of its
    configuration bases (a subclass declaring a field again wins)."""
    fields: Dict[str, Tuple[Type, bool]] = {}
    for base in reversed(info.mro):
        for name, kind, has_default in base.metadata.get(METADATA, {}).get("fields", ()):
            fields.pop(name, None)
            var = base.names[name].node
            if kind == "constant" or not isinstance(var, Var) or var.type is None:
                continue
            optional = has_default or kind == "meta" or _accepts_none(var.type)
            fields[name] = (var.type, optional)
    return [Argument(Var(name, typ), typ, None, ARG_NAMED_OPT if optional else ARG_NAMED)
            for name, (typ, optional) in fields.items()]


def _accepts_none(typ: Type) -> bool:
    """Optional[T]: a field left unset is None (as 2.x does at run time)."""
    typ = get_proper_type(typ)
    return isinstance(typ, NoneType) or (isinstance(typ, UnionType) and any(
        isinstance(get_proper_type(item), NoneType) for item in typ.items))


def _add_config_mixin(ctx: ClassDefContext, info: TypeInfo) -> None:
    """Configuration objects are ``(ConfigMixin, Cls)`` at run time: ConfigMixin's
    methods (tag, instance, submit...) are added as a last base, unless a class of the
    hierarchy defines a method or attribute of the same name (mypy would see an
    incompatible override that 2.x's plugin never reported): then only ``submit``
    is added, as 2.x's plugin does. Fields named like a member of ConfigMixin (a
    ``stdout`` parameter) are fine: at run time, the field wins."""
    symbol = ctx.api.lookup_fully_qualified_or_none(CONFIG_MIXIN)
    if symbol is None or not isinstance(symbol.node, TypeInfo):
        return
    mixin = symbol.node
    if any(base is mixin for base in info.mro):
        return
    for name in set(info.names) & set(mixin.names):
        node = info.names[name].node
        if isinstance(node, Var) and name in _field_names(info):
            node.allow_incompatible_override = True
    if _clashes(info, mixin):
        if "submit" not in info.names:
            add_method_to_class(ctx.api, ctx.cls, "submit", _submit_arguments(mixin),
                                Instance(info, []))
        return
    info.bases.append(Instance(mixin, []))
    mro = info.mro
    info.mro = []  # calculate_mro keeps an MRO already there
    try:
        calculate_mro(info)
    except MroError:
        info.bases.pop()
        info.mro = mro


def _field_names(info: TypeInfo) -> set:
    return {name for name, _, _ in info.metadata.get(METADATA, {}).get("fields", ())}


def _clashes(info: TypeInfo, mixin: TypeInfo) -> bool:
    """A class of the hierarchy defines a name of ConfigMixin, other than a field."""
    for base in info.mro:
        if base.fullname in BASES or base.fullname == "builtins.object":
            continue
        fields = _field_names(base)
        for name in set(base.names) & set(mixin.names):
            if name not in fields and name != "__init__":
                return True
    return False


def _submit_arguments(mixin: TypeInfo) -> List[Argument]:
    """The keyword arguments of ConfigMixin.submit (all optional)."""
    submit = get_proper_type(mixin.get_method("submit").type) \
        if mixin.get_method("submit") else None
    names = [name for name in getattr(submit, "arg_names", [])[1:] if name] \
        or ["workspace", "launcher", "run_mode", "init_tasks", "max_retries"]
    anything = AnyType(TypeOfAny.explicit)
    return [Argument(Var(name, anything), anything, None, ARG_NAMED_OPT) for name in names]


# -- field() and submit() -----------------------------------------------------------


def _field_type(ctx: FunctionContext) -> Type:
    """``field(default=v)``: the type of v; ``field(default_factory=f)``: what f returns;
    otherwise Any (the field's annotation decides). ``field(default=None)`` is Any too:
    it declares no default."""
    default = _argument_type(ctx, "default")
    if default is not None and not isinstance(get_proper_type(default), NoneType):
        return default
    factory = get_proper_type(_argument_type(ctx, "default_factory"))
    # A generic factory (list, dict...) would give list[Never]: the annotation decides
    if isinstance(factory, CallableType) and not factory.variables:
        return factory.ret_type
    return AnyType(TypeOfAny.special_form)


def _argument_type(ctx: FunctionContext, name: str) -> Optional[Type]:
    if name not in ctx.callee_arg_names:
        return None
    types = ctx.arg_types[ctx.callee_arg_names.index(name)]
    return types[0] if types else None


def _submit_type(ctx: MethodContext) -> Type:
    """``task.submit()``: what ``task_outputs`` returns, else the task itself."""
    receiver = get_proper_type(ctx.type)
    if not isinstance(receiver, Instance):
        return ctx.default_return_type
    outputs = receiver.type.get_method("task_outputs")
    if outputs is not None:
        signature = get_proper_type(outputs.type)
        if isinstance(signature, CallableType):
            return signature.ret_type
        return AnyType(TypeOfAny.unannotated)
    return receiver
