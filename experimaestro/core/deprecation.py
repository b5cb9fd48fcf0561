"""``@deprecate``: deprecated classes (identifier of the converted config) and parameters."""

import warnings

__all__ = ["deprecate", "DeprecatedParam"]


class DeprecatedParam:
    """A method ``old(self, value)`` that sets new parameters from an old one."""

    __xpm_deprecated_param__ = True

    def __init__(self, fn):
        self.fn = fn
        self.name = fn.__name__

    def apply(self, config, value):
        warnings.warn(
            f"{type(config).__xpm_user_class__.__qualname__}.{self.name} is deprecated",
            DeprecationWarning,
            stacklevel=4,
        )
        self.fn(config, value)


def deprecate(config_or_target=None, *, replace: bool = False):
    """Deprecate a configuration class or a parameter.

    - ``@deprecate class Old(New)``: ``Old`` configs hash as ``New`` configs;
    - ``@deprecate(New) class Old(Config)`` with ``__convert__``: identifiers are those
      of the converted config;
    - ``@deprecate(New, replace=True)``: ``Old.C(...)`` returns the converted config;
    - ``@deprecate def old_param(self, value)`` in a class body: a deprecated parameter.
    """
    from .config import Config

    def is_config_class(c):
        return isinstance(c, type) and issubclass(c, Config)

    if is_config_class(config_or_target) and not replace:
        cls = config_or_target
        if _config_parent(cls) is not None:
            # Either the simple form on `class Old(New)`, or `@deprecate(Target)` where the
            # target has a config parent: we mark the class now and return it; when it is
            # then called with a class (decorator usage), ConfigMeta.__call__ undoes this.
            _mark(cls, target=None, replace=False)
            type.__setattr__(cls, "__xpm_deprecate_pending__", True)
            return cls
        return _DeprecateTarget(cls, replace=False)
    if is_config_class(config_or_target):
        return _DeprecateTarget(config_or_target, replace=replace)
    if callable(config_or_target):
        return DeprecatedParam(config_or_target)
    if config_or_target is None:
        return lambda c: deprecate(c, replace=replace)
    raise TypeError(f"deprecate: expected a configuration class or a method, got {config_or_target!r}")


def _config_parent(cls):
    from .config import Config

    for base in cls.__bases__:
        if isinstance(base, type) and issubclass(base, Config) and base.__dict__.get(
            "__xpm_config_class__", True
        ):
            if base not in _ROOTS():
                return base
    return None


def _ROOTS():
    from .config import Config, InstanceConfig, LightweightTask, ResumableTask, Task

    return (Config, Task, LightweightTask, ResumableTask, InstanceConfig)


class _DeprecateTarget:
    """Result of ``deprecate(Target)``: decorates the deprecated class."""

    def __init__(self, target, replace=False):
        self.target = target
        self.replace = replace

    def __call__(self, old_cls):
        _mark(old_cls, target=self.target, replace=self.replace)
        return old_cls


def undo_simple_form(target, old_cls):
    """``@deprecate(Target)`` was taken for the simple form on Target: fix it."""
    for name in ("__xpm_deprecated__", "__xpm_deprecate_pending__"):
        if name in target.__dict__:
            type.__delattr__(target, name)
    _mark(old_cls, target=target, replace=False)
    return old_cls


def _mark(cls, target, replace):
    from .config import _plain_config_classes

    type.__setattr__(cls, "__xpm_deprecated__", (target, replace))
    _plain_config_classes.pop(cls, None)  # .C now converts


def converted(config):
    """The config that a deprecated config stands for (itself when not deprecated)."""
    ucls = type(config).__xpm_user_class__
    info = ucls.__dict__.get("__xpm_deprecated__")
    if info is None:
        return config
    target, _ = info
    convert = getattr(config, "__convert__", None)
    if convert is not None and "__convert__" in _defining_dicts(ucls):
        return convert()
    # Simple form: same values, parent's type
    parent = target or _config_parent(ucls)
    values = {k: v for k, v in config.__xpm__.values.items() if k in parent.__xpmtype__.arguments}
    return parent.C(**values)


def _defining_dicts(ucls):
    names = set()
    for k in ucls.__mro__:
        names.update(k.__dict__)
    return names
