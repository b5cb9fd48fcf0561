"""Configuration classes: Config, Task, LightweightTask, ResumableTask, InstanceConfig.

A user class (``class Model(Config)``) is the *value* class: ``cfg.instance()`` builds
one. ``Model.C(...)`` builds a *configuration* object, of the generated subclass
``Model.XPMConfig`` = (ConfigMixin, Model): it holds typed values (``cfg.__xpm__``), can be
sealed, hashed into an identifier, submitted (tasks) and turned into an instance.
"""

import warnings
from abc import ABCMeta
from pathlib import Path

from . import hooks
from .arguments import MISSING
from .errors import ValidationError
from .identifier import identifier_of
from .information import ConfigInformation, unknown_field_error
from .tags import TagsAttribute
from .taskglobals import Env

__all__ = [
    "Config",
    "ConfigMixin",
    "Task",
    "LightweightTask",
    "ResumableTask",
    "InstanceConfig",
]


class ConfigMeta(ABCMeta):
    """Metaclass of configuration classes: ``Cls.C``, ``Cls.__xpmtype__``...

    An ABCMeta, so that a configuration class may also derive from ``abc.ABC``; but, as
    in 2.x (whose configuration classes are plain classes), abstract methods stop
    ``.C()`` only in classes that derive from an ABCMeta class other than ours."""

    def __new__(mcs, name, bases, namespace, **kwargs):
        cls = super().__new__(mcs, name, bases, namespace, **kwargs)
        native_abc = any(
            b.__dict__.get("_xpm_native_abc", False) if isinstance(b, ConfigMeta)
            else isinstance(b, ABCMeta)
            for b in bases
        )
        type.__setattr__(cls, "_xpm_native_abc", native_abc)
        if not native_abc:
            # What Python computes for a plain class: no abstract method is enforced
            cls.__abstractmethods__ = frozenset()
        return cls

    def __call__(cls, *args, **kwargs):
        if cls.__dict__.get("__xpm_deprecate_pending__") and len(args) == 1 and not kwargs:
            if isinstance(args[0], type):
                from .deprecation import undo_simple_form

                return undo_simple_form(cls, args[0])
        if args:
            raise TypeError(
                f"{cls.__qualname__}.C() takes keyword arguments only (the parameters),"
                f" got {len(args)} positional argument(s)"
            )
        warnings.warn(
            f"{cls.__qualname__}(...) is deprecated: build configurations with"
            f" {cls.__qualname__}.C(...)",
            DeprecationWarning,
            stacklevel=2,
        )
        return cls.C(**kwargs)

    @property
    def __xpmtype__(cls):
        t = cls.__dict__.get("_xpm_objecttype")
        if t is None:
            from .analysis import analyse

            if cls in _analysing:
                raise TypeError(
                    f"{cls.__qualname__}: building a default value of its fields needs"
                    f" {cls.__qualname__} itself (a default or default_factory that makes a"
                    f" {cls.__qualname__} configuration); make that default None and set"
                    " it after construction"
                )
            _analysing.add(cls)
            try:
                t = analyse(cls)
            finally:
                _analysing.discard(cls)
            type.__setattr__(cls, "_xpm_objecttype", t)
        return t

    @property
    def XPMConfig(cls):
        c = cls.__dict__.get("_xpm_config_class")
        if c is None:
            c = _make_config_class(cls)
        return c

    @property
    def C(cls):
        plain = _plain_config_classes.get(cls)
        if plain is not None:
            return plain
        fast = cls.__dict__.get("_xpm_config_class")
        if fast is not None and "__xpm_deprecated__" not in cls.__dict__:
            _plain_config_classes[cls] = fast
            return fast
        info = cls.__dict__.get("__xpm_deprecated__")
        if info is not None and info[1]:
            from .deprecation import converted

            xpmconfig = cls.XPMConfig
            return lambda **kwargs: converted(xpmconfig(**kwargs))
        return cls.XPMConfig

    @property
    def XPMValue(cls):
        v = cls.__dict__.get("_xpm_value_class")
        if v is None:
            v = _default_value_class(cls)
            type.__setattr__(cls, "_xpm_value_class", v)
        return v


_config_metaclasses: dict = {}

#: classes whose fields are being read (a default that needs its own class is refused)
_analysing: set = set()

#: class -> its XPMConfig class, for classes whose ``.C`` is that class (not deprecated);
#: one dict lookup instead of two ``__dict__`` reads for every ``Cls.C(...)``
_plain_config_classes: dict = {}


def _config_metaclass(meta):
    """The metaclass of generated XPMConfig classes: plain construction (no redirect)."""
    found = _config_metaclasses.get(meta)
    if found is None:
        found = type(f"XPMConfig{meta.__name__}", (meta,), {"__call__": type.__call__})
        _config_metaclasses[meta] = found
    return found


class _FieldAccess:
    """Data descriptor of one field on an XPMConfig class."""

    __slots__ = ("name", "arg")

    def __init__(self, arg):
        self.name = arg.name
        self.arg = arg

    def __get__(self, obj, owner=None):
        if obj is None:
            return self.arg
        try:
            return obj.__xpm__.values[self.name]
        except KeyError:
            if self.arg.optional or self.arg.generator is not None:
                return None
            from .errors import UnsetFieldError

            raise UnsetFieldError(
                f"{type(obj).__xpm_user_class__.__qualname__}.{self.name} is not set"
            ) from None

    def __set__(self, obj, value):
        obj.__xpm__.set(self.arg, value)


def _make_config_class(cls):
    if cls.__dict__.get("__xpm_value_of__") is not None:
        raise TypeError(
            f"{cls.__qualname__} is a value class (registered with value_class()); build"
            f" configurations from {cls.__xpm_value_of__.__qualname__}.C(...)"
        )
    otype = cls.__xpmtype__
    ns = {
        "__module__": cls.__module__,
        "__qualname__": f"{cls.__qualname__}.XPMConfig",
        "__xpm_user_class__": cls,
        "__xpm_instance__": cls.__xpm_instance__,  # read at each nested identifier
        "_xpm_objecttype": otype,
        "__doc__": cls.__doc__,
    }
    for name, arg in otype.arguments.items():
        ns[name] = _FieldAccess(arg)
    from .initplan import compile_init

    init = compile_init(otype)
    if init is not None:
        ns["__init__"] = init
    meta = _config_metaclass(type(cls))
    c = meta(f"{cls.__name__}.XPMConfig", (ConfigMixin, cls), ns)
    type.__setattr__(c, "_xpm_config_class", c)
    type.__setattr__(cls, "_xpm_config_class", c)
    return c


def _default_value_class(cls):
    """The class of instances: cls itself, or one deriving from the parents' value classes."""
    parents = []
    for base in cls.__bases__:
        if isinstance(base, ConfigMeta) and base not in _ROOT_CLASSES:
            vc = base.XPMValue
            if vc is not base:
                parents.append(vc)
    if not parents:
        return cls
    return type(cls)(
        f"{cls.__name__}.Value",
        (cls, *parents),
        {"__module__": cls.__module__, "__qualname__": f"{cls.__qualname__}.Value",
         "__xpm_value_of__": cls, "__xpm_generated__": True},
    )


class ConfigMixin:
    """Behaviour of configuration objects (first base of every ``Cls.XPMConfig``)."""

    __xpm_user_class__ = None
    #: the configuration's values and state (set by __init__; declared for type checkers)
    __xpm__: ConfigInformation

    def __init__(self, *args, **kwargs):
        if args:
            raise TypeError(
                f"{type(self).__xpm_user_class__.__qualname__}.C() takes keyword arguments only"
                f" (the parameters), got {len(args)} positional argument(s)"
            )
        otype = type(self)._xpm_objecttype
        xpm = ConfigInformation.of(self, otype)
        self.__dict__["__xpm__"] = xpm
        values = dict(otype.static_defaults)
        for name, make in otype.dynamic_defaults:
            values[name] = make()
        xpm.values = values
        if kwargs:
            args = otype.arguments
            for name, value in kwargs.items():
                arg = args.get(name)
                if arg is None:
                    xpm.set_by_name(name, value)
                elif type(value) is arg.exact_type:
                    values[name] = value  # already of the declared scalar type
                else:
                    xpm.set(arg, value)

    def __setattr__(self, name, value):
        if name in self.__xpm__.xpmtype.deprecated_params:
            self.__xpm__.set_by_name(name, value)
        elif name.startswith("_") or name in type(self).__dict__:
            object.__setattr__(self, name, value)
        elif hasattr(type(self), name) and not callable(getattr(type(self), name)):
            object.__setattr__(self, name, value)
        else:
            self.__xpm__.set_by_name(name, value)

    # -- identity ----------------------------------------------------------------

    __identifier__ = identifier_of  # a plain function: one call less per identifier

    def __eq__(self, other):
        # As 2.x, whose identifiers compare defaults with it: sealed configurations by
        # identifier; otherwise each value set here, compared with != to the other's
        # (no identity shortcut: a NaN value makes a configuration unequal to itself)
        if getattr(other, "__xpm__", None) is None:
            return NotImplemented
        if type(other) is not type(self):
            return False
        mine, theirs = self.__xpm__, other.__xpm__
        if mine.sealed and theirs.sealed:
            return self.__identifier__() == other.__identifier__()
        values = theirs.values
        for arg, value in mine.xpmvalues():
            their_value = values.get(arg.name)
            if their_value is None and arg.generator is not None and theirs.sealed:
                # 2.x generates paths while sealing, before identifiers: the other holds
                # a path there (ours is made just after the identifier)
                return False
            if value != their_value:
                return False
        return True

    def __hash__(self):
        xpm = self.__xpm__
        if not xpm.sealed:
            raise TypeError(
                f"unhashable unsealed configuration {type(self).__xpm_user_class__.__qualname__}:"
                " seal it first (cfg.seal()), or build the set with sealed_set(...)"
            )
        return hash(self.__identifier__().main)

    def __repr__(self):
        from .display import config_repr

        return config_repr(self)

    # -- lifecycle ---------------------------------------------------------------

    def seal(self):
        """Validate and freeze this configuration (and all those below it)."""
        self.__xpm__.seal()
        return self

    def tag(self, name: str, value):
        """Add a tag to this configuration (as ``tag(v)`` given to a field does)."""
        xpm = self.__xpm__
        if xpm._tags is None:
            xpm._tags = {}
        xpm._tags[name] = value
        return self

    def __arguments__(self) -> dict:
        """The values of this configuration, by field name (those that have one)."""
        return {arg.name: value for arg, value in self.__xpm__.xpmvalues()}

    def tags(self):
        """The tags of this configuration and of those below it."""
        return self.__xpm__.tags()

    def instance(self, context=None, *, objects=None, keep: bool = True):
        """An object of the value class, with the values of this configuration.

        `context` (e.g. ``experimaestro.xpmutils.DirectoryContext(folder)``) gives the
        folder where unset PathGenerator fields are generated, as a job folder would.
        """
        from .instance import make_instance

        if context is not None:
            from .generators import ConfigWalkContext, generate_paths

            if not isinstance(context, ConfigWalkContext):
                raise TypeError(
                    f"instance(context=...): expected a ConfigWalkContext such as"
                    f" experimaestro.xpmutils.DirectoryContext(folder), got"
                    f" {type(context).__name__}"
                )
            generate_paths(self, context)
        return make_instance(self, objects if objects is not None else {}, keep)

    def copy(self):
        """A new, unsealed configuration with the same parameter values."""
        new = type(self)()
        # Containers are copied (changing the copy must not change a sealed original);
        # configurations inside them are shared
        new.__xpm__.values = {k: _copy_containers(v) for k, v in self.__xpm__.values.items()}
        if self.__xpm__._tags:
            new.__xpm__._tags = dict(self.__xpm__._tags)
        new.__xpm__.stop_tags = self.__xpm__.stop_tags
        return new

    def add_dependencies(self, *dependencies):
        """Add dependencies (e.g. tokens) that the job must hold before running."""
        xpm = self.__xpm__
        if xpm.dependencies is None:
            xpm.dependencies = []
        xpm.dependencies.extend(dependencies)
        return self

    def copy_dependencies(self, other):
        """Add the dependencies of another configuration (its producing task included)."""
        if other.__xpm__.task is not None and self.__xpm__.task is None:
            self.__xpm__.task = other.__xpm__.task
        deps = other.__xpm__.dependencies
        if deps:
            self.add_dependencies(*deps)
        return self

    def submit(
        self,
        *,
        workspace=None,
        launcher=None,
        run_mode=None,
        init_tasks=None,
        max_retries=None,
        transient=None,
    ):
        """Submit this task to the current experiment; returns its output."""
        return hooks.submit(
            self,
            workspace=workspace,
            launcher=launcher,
            run_mode=run_mode,
            init_tasks=init_tasks,
            max_retries=max_retries,
            transient=transient,
        )

    def __rmatmul__(self, outer):
        """``outer @ inner`` sets the one parameter of `outer` that accepts `inner`, and
        returns `outer` (as 2.x): ``Multi.C() @ TA.C() @ TB.C()`` sets two parameters of
        Multi, ``Outer.C() @ (Middle.C() @ Inner.C())`` nests.
        """
        if getattr(outer, "__xpm__", None) is None:
            return NotImplemented
        from .types import ConfigType, OptionalType

        candidates = []
        for name, arg in outer.__xpm__.xpmtype.arguments.items():
            t = arg.type.inner if isinstance(arg.type, OptionalType) else arg.type
            if isinstance(t, ConfigType) and isinstance(self, t.cls):
                candidates.append(name)
        outer_name = type(outer).__xpm_user_class__.__qualname__
        inner_name = type(self).__xpm_user_class__.__qualname__
        if len(candidates) != 1:
            found = ", ".join(candidates) if candidates else "none"
            raise ValueError(
                f"{outer_name} @ {inner_name}: expected exactly one parameter of {outer_name}"
                f" accepting a {inner_name}, found {found}; set it by name instead"
            )
        outer.__xpm__.set_by_name(candidates[0], self)
        return outer

    # -- job (after submission) --------------------------------------------------

    def _job_or_fail(self):
        job = self.__xpm__.job
        if job is None:
            raise RuntimeError(
                f"{type(self).__xpm_user_class__.__qualname__} has no job: submit it first"
            )
        return job

    @property
    def job(self):
        return self._job_or_fail()

    @property
    def jobpath(self):
        return self._job_or_fail().path

    def stdout(self):
        return self._job_or_fail().stdout

    def stderr(self):
        return self._job_or_fail().stderr

    def wait(self):
        """Wait until the job of this task ends; True when it succeeded."""
        return self._job_or_fail().wait()

    def on_completed(self, callback):
        """Call ``callback()`` (in the scheduler thread) when the job succeeded; at once if
        it already did. On a task not submitted yet, the callback waits for the job that
        ``submit()`` gives it (as in 2.x)."""
        if not callable(callback):
            raise TypeError(f"on_completed: the callback {callback!r} is not callable")
        if self.__xpm__.job is None and isinstance(self, Task):
            self.__xpm__.declare_callback("on_completed", callback)
        else:
            self._job_or_fail().on_completed(callback)
        return self


class Config(metaclass=ConfigMeta):
    """Base of all configuration classes.

    Declare fields with ``Param[T]``, ``Meta[T]``, ``Constant[T]``; build a configuration
    with ``Cls.C(field=value, ...)``; get an object with ``.instance()``.
    """

    # The type id 2.x gives (its module path): a bare Config.C() held by a field
    __xpm_base_id__ = "experimaestro.core.objects.config.config"

    __xpm_config_class__ = True
    __xpm_instance__ = False

    #: the tags of the configuration (of an instance: of its configuration)
    __tags__ = TagsAttribute()

    @property
    def __xpmtype__(self):
        """The ObjectType of this object's class, read from an object (``Cls.__xpmtype__``
        on the class itself is the metaclass property)."""
        return type(self).__xpmtype__

    @classmethod
    def __getxpmtype__(cls):
        """``Cls.__xpmtype__`` (the name 2.x gives it)."""
        return cls.__xpmtype__

    @property
    def xpmconfig(self):
        """The configuration: itself, or for an instance the configuration it was built
        from (kept by ``instance(keep=True)``, the default)."""
        if getattr(self, "__xpm__", None) is not None:
            return self
        try:
            return self.__dict__["__config__"]
        except KeyError:
            raise AttributeError(
                f"this {type(self).__qualname__} instance was built with keep=False: it does"
                " not know its configuration"
            ) from None

    def __xpm_serialize__(self, context) -> dict:
        """The data files of this configuration when it is saved: a dict name ->
        SerializedPath, by default each DataPath field copied by
        ``context.serialize(context.var_path + [name], path, self)``. Override it (as in
        2.x) to store them under other names or to add entries."""
        result = {}
        for arg, value in self.__xpm__.xpmvalues():
            if arg.is_data and value is not None:
                if not Path(value).exists():
                    raise FileNotFoundError(
                        f"{arg.owner.__qualname__}.{arg.name}: the DataPath {value} does not"
                        f" exist (it would be copied into {context.save_directory})"
                    )
                result[arg.name] = context.serialize([*context.var_path, arg.name],
                                                     Path(value), self)
        return result

    @classmethod
    def value_class(cls):
        """Decorator registering the class of instances of this configuration."""

        def register(value_cls):
            if not (isinstance(value_cls, type) and issubclass(value_cls, cls)):
                given = value_cls.__qualname__ if isinstance(value_cls, type) else repr(value_cls)
                raise TypeError(
                    f"{cls.__qualname__}.value_class(): expected a subclass of"
                    f" {cls.__qualname__}, got {given}"
                )
            for base in cls.__bases__:
                if isinstance(base, ConfigMeta) and base not in _ROOT_CLASSES:
                    parent_value = base.XPMValue
                    if parent_value is not base and not issubclass(value_cls, parent_value):
                        raise TypeError(
                            f"{cls.__qualname__}.value_class(): {value_cls.__qualname__} must"
                            f" also derive from {parent_value.__qualname__}, the value class"
                            f" of {base.__qualname__}"
                        )
            current = cls.__dict__.get("_xpm_value_class")
            # A value class generated by XPMValue (from the parents') may be replaced
            if current not in (None, cls) and not current.__dict__.get("__xpm_generated__"):
                raise TypeError(
                    f"{cls.__qualname__}.value_class(): {cls.__qualname__} already has a value"
                    f" class ({current.__qualname__}), cannot register {value_cls.__qualname__}"
                )
            type.__setattr__(value_cls, "__xpm_value_of__", cls)
            type.__setattr__(cls, "_xpm_value_class", value_cls)
            return value_cls

        return register

    def __post_init__(self):
        """Called on instances, after the values are set (override it)."""

    def __validate__(self):
        """Called on configurations when they are sealed (override it to check values)."""

    def register_task_output(self, method, *args, **kwargs):
        """Record a dynamic task output (watched by the scheduler)."""
        Env.instance().register_output(self, method, args, kwargs)


class LightweightTask(Config):
    """A task run before a real task, in its process (``submit(init_tasks=[...])``)."""

    # The type id 2.x gives (its module path): a bare LightweightTask.C() held by a field
    __xpm_base_id__ = "experimaestro.core.objects.config.lightweighttask"

    __xpm_is_task__ = True

    def execute(self):
        """The code of the task (to override; 2.x, too, accepts tasks without one until
        they run)."""
        raise NotImplementedError(
            f"{type(self).__qualname__} does not define execute(self): a task needs one"
        )


class Task(LightweightTask):
    """Base class of tasks: configurations with ``execute()``, run as jobs."""

    # The type id 2.x gives (its module path): a bare Task.C() held by a field
    __xpm_base_id__ = "experimaestro.core.objects.config.task"

    #: a field declared of a Task class holds submitted tasks only (see ConfigType)
    __xpm_is_job_task__ = True

    def watch_output(self, method, callback):
        """Call ``callback(output)`` for each output of ``method`` (a method of the task
        or of a configuration it holds) that the running task announces with
        ``register_task_output``; callbacks run in the experiment's thread while it waits.
        Before ``submit()``, the watch starts when the task is submitted (as in 2.x)."""
        if self.__xpm__.job is not None:
            self.__xpm__.job.watch_output(method, callback, self)
            return
        from .outputs import check_watched

        check_watched(self, method, callback)
        self.__xpm__.declare_callback("watch_output", method, callback)


class ResumableTask(Task):
    """A task that can be restarted after a time-out (checkpointing in its job folder)."""

    # The type id 2.x gives (its module path): a bare ResumableTask.C() held by a field
    __xpm_base_id__ = "experimaestro.core.objects.config.resumabletask"

    def remaining_time(self):
        """Seconds left before the job's time limit, or None when there is none."""
        info = Env.instance().launcher_info
        if info is None:
            return None
        return info.remaining_time()


class InstanceConfig(Config):
    """A configuration whose object identity matters (shared vs separate instances)."""

    # The type id 2.x gives (its module path): a bare InstanceConfig.C() held by a field
    __xpm_base_id__ = "experimaestro.core.objects.config.instanceconfig"

    __xpm_instance__ = True


_ROOT_CLASSES = (Config, LightweightTask, Task, ResumableTask, InstanceConfig)


def setmeta(config, flag: bool):
    """Force a configuration to be (True) or not be (False) a meta-parameter."""
    _check_config("setmeta", config)
    config.__xpm__.meta = flag
    return config


def _check_config(function: str, value):
    if getattr(value, "__xpm__", None) is None:
        raise TypeError(
            f"{function}(): expected a configuration, got {type(value).__name__} {value!r}"
        )


def sealed_set(*elements):
    """A set of configurations, each sealed first (so that it is hashable)."""
    out = set()
    for i, e in enumerate(elements):
        if getattr(e, "__xpm__", None) is not None:
            try:
                e.seal()
                e.__identifier__()
            except ValueError as exc:
                raise TypeError(
                    f"sealed_set(): element {i} ({type(e).__xpm_user_class__.__qualname__})"
                    f" cannot be sealed: {exc}"
                ) from exc
        out.add(e)
    return out


def _copy_containers(value):
    t = type(value)
    if t is list:
        return [_copy_containers(v) for v in value]
    if t is dict:
        return {k: _copy_containers(v) for k, v in value.items()}
    if t is set:
        return set(value)
    return value


def copyconfig(config, **kwargs):
    """A copy of a configuration, with some values changed."""
    new = config.copy()
    for k, v in kwargs.items():
        new.__xpm__.set_by_name(k, v)
    return new


__all__ += ["setmeta", "sealed_set", "copyconfig", "ValidationError", "MISSING",
            "unknown_field_error"]
