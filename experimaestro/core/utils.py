"""Decorators for configuration methods: ``initializer`` and ``cache``."""

import functools
from pathlib import Path

from .taskglobals import Env

__all__ = ["initializer", "cache"]


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
