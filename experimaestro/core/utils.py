"""Decorators for configuration methods: ``initializer``, ``cache`` and ``config_only``."""

import functools
from pathlib import Path

from .taskglobals import Env

__all__ = ["initializer", "cache", "config_only"]


def initializer(method):
    """Run the method once per object; later calls return the first result."""
    attr = f"__initializer_{method.__name__}"

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return self.__dict__[attr]
        except KeyError:
            result = method(self, *args, **kwargs)
            self.__dict__[attr] = result
            return result

    return wrapper


def cache(name: str):
    """Give the method a cache path ``<workspace>/config/<identifier>/<name>``.

    The method is called as ``method(self, cache_path, *args)``; it decides itself how
    to read or write the cache. The cache folder is locked while the method runs.
    """

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            config = getattr(self, "__config__", self)
            ident = config.__identifier__().hex()
            base = Env.instance().cache_root()
            folder = Path(base) / ident
            folder.mkdir(parents=True, exist_ok=True)
            import fasteners  # (here: +25 ms on `import experimaestro` otherwise)

            with fasteners.InterProcessLock(str(folder / f"{name}.lock")):
                return method(self, folder / name, *args, **kwargs)

        return wrapper

    return decorator


def config_only(method):
    """Mark a method of a configuration class that only configurations (``Cls.C(...)``)
    may call: called on an instance (``cfg.instance()``, what a task's ``execute()`` works
    on), it raises a TypeError.

    (2.x's ``config_only`` asserts that it is given a bound method and returns None, so
    it cannot decorate a method in a class body; this one does what its documentation
    says.)"""
    if not callable(method):
        raise TypeError(f"@config_only decorates a method, got {method!r}")

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        # A configuration has its __xpm__ information; an instance has none
        if getattr(self, "__xpm__", None) is None:
            raise TypeError(
                f"{type(self).__qualname__}.{method.__name__}() is a configuration-only"
                " method (@config_only): call it on the configuration, not on an instance"
            )
        return method(self, *args, **kwargs)

    wrapper.__xpm_config_only__ = True
    return wrapper
