"""Stand-in modules: experiment files that import heavy libraries load without them.

``mock_modules(["torch", "transformers"])``, typically in the ``pre_experiment`` file of a
YAML experiment, makes ``import torch`` (and ``torch.nn``, ``from torch.nn import
functional``...) give stand-in modules. Everything reached from them is a stand-in object
that can be called, used as a decorator (``@torch.compile``, ``@torch.no_grad()``),
subscripted, subclassed (``class Model(Config, torch.nn.Module)``), iterated (nothing)
and used in ``with``. The experiment can then define its configurations, compute their
identifiers and submit its jobs without the library (or without paying for its import):
the job processes do not run ``pre_experiment``, so they import the real library.

A module already imported is not replaced: mock before the first import.
"""

import sys
import warnings
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import Dict, Iterable, List, Optional

__all__ = ["FakeModuleFinder", "mock_modules", "noop_decorator"]


def noop_decorator(fn=None, *args, **kwargs):
    """A decorator that changes nothing, used bare (``@noop_decorator``) or with
    arguments (``@noop_decorator(flag=True)``)."""
    if fn is not None:
        return fn
    return lambda f: f


def _is_decoration(args, kwargs) -> bool:
    """``@stand_in`` applied to a function or class (rather than a call with arguments)."""
    return len(args) == 1 and not kwargs and callable(args[0])


class _MockedBase:
    """What a class subclassing a stand-in really derives from. No metaclass, so that it
    mixes with any other base (``class Model(Config, torch.nn.Module)``)."""

    def __init__(self, *args, **kwargs):
        pass

    def __init_subclass__(cls, **kwargs):
        # Class keywords meant for the real library (class F(Function, x=1)) are dropped
        super().__init_subclass__()

    def __class_getitem__(cls, item):
        return cls

    @classmethod
    def apply(cls, *args, **kwargs):
        """``torch.autograd.Function.apply`` & co. on subclasses."""
        return _noop_call(*args, **kwargs)


def _noop_call(*args, **kwargs):
    return args[0] if _is_decoration(args, kwargs) else _noop_call


class StandIn:
    """A stand-in for ``path`` (e.g. ``torch.nn.Module``) in a mocked module.

    Its attributes are stand-ins (``path.name``); calling it returns itself, or, with one
    callable argument, that argument (so that it works as a decorator, bare or with
    arguments); as a base class, it is replaced by a real class (one per path) deriving
    from :class:`_MockedBase`; ``isinstance`` and ``issubclass`` answer through that
    class.
    """

    def __init__(self, path: str, finder: "FakeModuleFinder"):
        module, _, name = path.rpartition(".")
        set_ = object.__setattr__
        set_(self, "_path", path)
        set_(self, "_finder", finder)
        set_(self, "_base", None)
        # As a real class would have them: documentation tools render `torch.Tensor`
        set_(self, "__name__", name)
        set_(self, "__qualname__", name)
        set_(self, "__module__", module or path)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(f"{self._path} (a stand-in of a mocked module) has no {name}")
        return self._finder.stand_in(f"{self._path}.{name}")

    def __setattr__(self, name, value):
        raise AttributeError(f"cannot set {name} on {self._path}: it is a stand-in of a"
                             " mocked module")

    def __call__(self, *args, **kwargs):
        return args[0] if _is_decoration(args, kwargs) else self

    def __getitem__(self, item):
        return self

    def __iter__(self):
        # Without it, iteration would use __getitem__ and never end
        return iter(())

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __repr__(self):
        return self._path

    def __mro_entries__(self, bases):
        return (self.base_class(),)

    def base_class(self) -> type:
        """The real class standing for this one in class definitions."""
        if self._base is None:
            base = type(self.__name__, (_MockedBase,), {"__module__": self.__module__,
                                                        "__qualname__": self.__qualname__})
            object.__setattr__(self, "_base", base)
        return self._base

    def __instancecheck__(self, instance) -> bool:
        return isinstance(instance, self.base_class())

    def __subclasscheck__(self, cls) -> bool:
        return isinstance(cls, type) and issubclass(cls, self.base_class())


class FakeModule(ModuleType):
    """A mocked module: its attributes are stand-ins (see :class:`StandIn`)."""

    def __init__(self, name: str, finder: "FakeModuleFinder"):
        super().__init__(name)
        self.__path__: List[str] = []  # a package: submodules can be imported
        self._finder = finder

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(f"mocked module {self.__name__!r} has no attribute {name!r}")
        return self._finder.stand_in(f"{self.__name__}.{name}")

    def __repr__(self):
        return f"<mocked module {self.__name__!r}>"


class FakeModuleFinder(MetaPathFinder, Loader):
    """Import hook (for ``sys.meta_path``) giving mocked modules for ``modules`` and
    their submodules. ``decorators`` is accepted for compatibility (every stand-in works
    as a decorator) and names stand-ins that are plain no-op decorators."""

    def __init__(self, modules: Iterable[str], decorators: Optional[Iterable[str]] = None):
        self.modules = set(modules)
        self.decorators = set(decorators or ())
        self._stand_ins: Dict[str, object] = {}

    def covers(self, fullname: str) -> bool:
        return any(fullname == m or fullname.startswith(m + ".") for m in self.modules)

    def find_spec(self, fullname, path=None, target=None):
        if self.covers(fullname):
            return ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec):
        return FakeModule(spec.name, self)

    def exec_module(self, module):
        pass

    def stand_in(self, path: str):
        """The stand-in for ``path`` (the same object each time)."""
        found = self._stand_ins.get(path)
        if found is None:
            found = noop_decorator if path in self.decorators else StandIn(path, self)
            self._stand_ins[path] = found
        return found

    def __repr__(self):
        return f"FakeModuleFinder({sorted(self.modules)})"


def mock_modules(modules: List[str], decorators: Optional[List[str]] = None) -> FakeModuleFinder:
    """Mock ``modules`` (and their submodules) for the rest of this process: importing
    them gives stand-in modules. Returns the import hook, first in ``sys.meta_path``
    (``sys.meta_path.remove(finder)`` stops mocking modules not imported yet).

    ``decorators`` (full names such as ``"torch.compile"``) is deprecated: every
    stand-in already works as a decorator."""
    if isinstance(modules, str):
        raise TypeError(f"mock_modules expects a list of module names, not the string"
                        f" {modules!r} (write mock_modules([{modules!r}]))")
    if decorators is not None:
        warnings.warn("mock_modules(decorators=...) is deprecated: every stand-in of a"
                      " mocked module works as a decorator", DeprecationWarning, stacklevel=2)
    already = sorted(m for m in modules if m in sys.modules
                     and not isinstance(sys.modules[m], FakeModule))
    if already:
        warnings.warn(f"mock_modules: {', '.join(already)} already imported: the real"
                      " module stays in use (mock before the first import)", stacklevel=2)
    finder = FakeModuleFinder(modules, decorators)
    sys.meta_path.insert(0, finder)
    return finder
