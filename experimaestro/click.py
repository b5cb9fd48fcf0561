"""click, as used by experimaestro (``from experimaestro.click import click``), and
``forwardoption``: a click option made from a field of a configuration class."""

from typing import List, Optional

import click

__all__ = ["click", "forwardoption"]


def _click_type(xtype):
    from experimaestro.core import types as t

    if isinstance(xtype, t.OptionalType):
        return _click_type(xtype.inner)
    if isinstance(xtype, t.IntType):
        return int
    if isinstance(xtype, t.FloatType):
        return float
    if isinstance(xtype, t.BoolType):
        return bool
    if isinstance(xtype, t.PathType):
        return click.Path()
    if isinstance(xtype, t.EnumType):
        return click.Choice(list(xtype.cls.__members__), case_sensitive=False)
    return str


class _ForwardOptionPaths(type):
    def __getattr__(cls, name: str) -> "forwardoption":
        # ``forwardoption.epochs``, on the class itself, as in 2.x
        if name.startswith("__"):
            raise AttributeError(name)
        return cls([name])


class forwardoption(metaclass=_ForwardOptionPaths):
    """A click option forwarding a field of a configuration class, by its path:

    ``@forwardoption.ranker.optimizer.epsilon(MyConfig)`` adds ``--epsilon`` (type, default
    and help come from the field ``epsilon`` of ``MyConfig.ranker.optimizer``);
    ``@forwardoption.epsilon(MyConfig, "eps")`` names the option ``--eps``.
    """

    def __init__(self, path: Optional[List[str]] = None):
        self.path = list(path or [])

    def __getattr__(self, name: str) -> "forwardoption":
        if name.startswith("__"):
            raise AttributeError(name)
        return forwardoption(self.path + [name])

    def __call__(self, cls, option_name: Optional[str] = None, **kwargs):
        from experimaestro.core import types as t

        if not self.path:
            raise TypeError("forwardoption needs a field path, e.g. forwardoption.lr(MyConfig)")
        current = cls
        argument = None
        for i, name in enumerate(self.path):
            xpmtype = getattr(current, "__xpmtype__", None)
            arguments = getattr(xpmtype, "arguments", {}) if xpmtype is not None else {}
            argument = arguments.get(name)
            if argument is None:
                where = ".".join(self.path[:i]) or cls.__qualname__
                known = ", ".join(sorted(arguments)) or "(none)"
                raise AttributeError(f"forwardoption: {where} has no field {name!r};"
                                     f" fields: {known}")
            if i < len(self.path) - 1:
                xtype = argument.type
                if isinstance(xtype, t.OptionalType):
                    xtype = xtype.inner
                if not isinstance(xtype, t.ConfigType):
                    raise TypeError(f"forwardoption: {'.'.join(self.path[:i + 1])} is not a"
                                    " configuration")
                current = xtype.cls
        name = option_name or self.path[-1]
        options = {"help": argument.help or None, "type": _click_type(argument.type)}
        from experimaestro.core.arguments import MISSING

        if argument.default is not MISSING:
            default = argument.default
            if hasattr(default, "name") and isinstance(options["type"], click.Choice):
                default = default.name
            options["default"] = default
            options["show_default"] = True
        if isinstance(argument.type, t.BoolType):
            options.pop("type")
            options["is_flag"] = True
        options.update(kwargs)
        return click.option(f"--{name.replace('_', '-')}", name.replace("-", "_"), **options)
