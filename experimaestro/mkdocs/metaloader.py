"""Stand-in modules for dependencies that are not installed.

Generating the documentation of a package imports all of its modules, and so all of
their dependencies (torch, pandas...). To avoid installing them, an import hook can
answer for the modules whose name matches a regular expression::

    DependencyInjectorFinder.install(re.compile(r"^(torch|pandas)($|\\.)"))

The finder is appended to :data:`sys.meta_path`: the installed packages are still
found first, only the missing ones are replaced. A replaced module is a
:class:`Module`: any attribute of it is again a :class:`Module` (``torch.nn.Linear``),
so the import statements and the module-level code that only name things work.
"""

import importlib.abc
import importlib.machinery
import inspect
import re
import sys

__all__ = ["Spec", "Module", "DependencyInjectorLoader", "DependencyInjectorFinder"]


class Spec:
    """The minimal spec of an attribute of a stand-in module (its dotted name)."""

    def __init__(self, name: str):
        self.name = name


#: dotted name -> the class used when a stand-in is a base class (one per name, so
#: that two classes deriving from ``torch.nn.Module`` share their base)
_BASES: dict = {}


def _stand_in_class(fullname: str):
    cls = _BASES.get(fullname)
    if cls is None:
        module, _, name = fullname.rpartition(".")

        def __init__(self, *args, **kwargs):
            pass

        cls = type(
            name or fullname,
            (),
            {
                "__module__": module or fullname,
                "__qualname__": name or fullname,
                "__init__": __init__,
                "__xpm_stand_in__": fullname,
            },
        )
        _BASES[fullname] = cls
    return cls


class Module:
    """A stand-in for a module (or anything reached from it) that is not installed.

    - an attribute is a stand-in named ``<name>.<attribute>``;
    - it can be called: used as a decorator (a single function or class argument), it
      returns its argument unchanged, otherwise a stand-in for the result;
    - it can be a base class (``class Model(torch.nn.Module)``): the class then derives
      from an empty placeholder class of that name.

    Names of the form ``__x__`` are not made up (``AttributeError``), so that the
    introspection of Python and of libraries (``__wrapped__``, ``__file__``...) behaves as
    for an object that does not define them.
    """

    def __init__(self, loader, spec):
        self.__loader__ = loader
        self.__spec__ = spec
        self.__path__ = []
        self.__package__ = spec.name
        self.__name__ = spec.name.rpartition(".")[2]

    def __getattr__(self, key: str):
        if key.startswith("__") and key.endswith("__"):
            raise AttributeError(key)
        return Module(self.__loader__, Spec(f"{self.__package__}.{key}"))

    def __call__(self, *args, **kwargs):
        if len(args) == 1 and not kwargs:
            (arg,) = args
            if inspect.isfunction(arg) or inspect.isclass(arg) or inspect.ismethod(arg):
                return arg
        return Module(self.__loader__, Spec(f"{self.__package__}()"))

    def __mro_entries__(self, bases):
        return (_stand_in_class(self.__package__),)

    def __repr__(self):
        return f"Fake module ({self.__package__})"


class DependencyInjectorLoader(importlib.abc.Loader):
    """Creates a :class:`Module` for each module the finder answers for."""

    def create_module(self, spec):
        return Module(self, spec)

    def exec_module(self, module):
        # A stand-in has no code to run
        pass


class DependencyInjectorFinder(importlib.abc.MetaPathFinder):
    """Import hook answering (with stand-ins) for the module names `matcher` accepts.

    :param loader: the loader of the stand-in modules
    :param matcher: an object with a ``match(fullname)`` method, typically a compiled
        regular expression such as ``re.compile(r"^(torch|pandas)($|\\.)")``
    """

    def __init__(self, loader, matcher):
        self._loader = loader
        self.matcher = matcher

    def find_spec(self, fullname: str, path, target=None):
        if self.matcher.match(fullname):
            return self._gen_spec(fullname)
        return None

    def _gen_spec(self, fullname: str):
        return importlib.machinery.ModuleSpec(fullname, self._loader)

    @staticmethod
    def install(matcher):
        """Add a finder for the names `matcher` accepts at the end of ``sys.meta_path``.

        `matcher` is a compiled regular expression (or anything with a ``match``
        method); a string is compiled. Returns the finder (remove it from
        ``sys.meta_path`` to uninstall it).
        """
        if isinstance(matcher, str):
            matcher = re.compile(matcher)
        finder = DependencyInjectorFinder(DependencyInjectorLoader(), matcher)
        sys.meta_path.append(finder)
        return finder
