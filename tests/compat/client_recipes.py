"""Run in the experimaestro 2.7.0 environment: find every configuration class that the
client packages define, and write a recipe (see recipes.py) that builds each one with
deterministic placeholder values for its required fields.

    python client_recipes.py OUT.json [package ...]

The placeholder values are chosen from 2.7.0's own description of each class (the
arguments of ``Cls.__xpmtype__``), so that the recipe is one 2.7.0 accepts; ours then
builds exactly the same configuration.
"""

import importlib
import inspect
import json
import logging
import pkgutil
import sys
import warnings

from experimaestro import Config, Task
from experimaestro.core import types as xt  # 2.7.0's type descriptors

from recipes import class_name, encode_float

PACKAGES = ["datamaestro", "datamaestro_text", "datamaestro_ir", "xpm_torch", "xpmir"]
MAX_DEPTH = 4


def import_all(package: str) -> dict:
    """Import every module of a package; returns {module: error} for those that fail."""
    errors = {}
    root = importlib.import_module(package)
    for info in pkgutil.walk_packages(root.__path__, prefix=package + "."):
        if ".test" in info.name or info.name.endswith("__main__"):
            continue
        try:
            importlib.import_module(info.name)
        except BaseException as e:  # noqa: BLE001 - optional dependencies, SystemExit...
            errors[info.name] = f"{type(e).__name__}: {e}"
    return errors


def config_classes(packages: list[str]) -> list[type]:
    """Every Config subclass defined (not just imported) in the packages' modules."""
    found = {}
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in packages:
            continue
        for value in list(vars(module).values()):
            if (inspect.isclass(value) and issubclass(value, Config)
                    and value.__module__ == name and "<locals>" not in value.__qualname__
                    and not value.__name__.endswith("XPMConfig")):
                found[class_name(value)] = value
    return [found[k] for k in sorted(found)]


class Placeholders:
    """Deterministic values of a 2.7.0 type descriptor."""

    def __init__(self):
        self.stack = []  # classes being built (a subclass chosen for a field is not one)

    def concrete(self, cls: type) -> type:
        """cls, or its first concrete subclass by name when cls is abstract (2.x refuses
        to build abstract classes too)."""
        if not inspect.isabstract(cls) and cls not in self.stack:
            return cls
        pending, found = [cls], {}
        while pending:
            for sub in pending.pop().__subclasses__():
                if not sub.__name__.endswith("XPMConfig") and "<locals>" not in sub.__qualname__:
                    found[class_name(sub)] = sub
                    pending.append(sub)
        for name in sorted(found):
            if not inspect.isabstract(found[name]) and found[name] not in self.stack:
                return found[name]
        return cls

    def value(self, t, depth: int):
        if isinstance(t, xt.IntType):
            return {"int": "1"}
        if isinstance(t, xt.FloatType):
            return encode_float(0.5)
        if isinstance(t, xt.StrType):
            return "x"
        if isinstance(t, xt.BoolType):
            return True
        if isinstance(t, xt.PathType):
            return {"path": "/tmp/xpm-compat/path"}
        if isinstance(t, xt.TypeVarType):
            bound = t.typevar.__bound__
            if inspect.isclass(bound) and issubclass(bound, Config):
                return self.field_config(bound, depth)
            return "x"
        if isinstance(t, xt.AnyType):
            return "x"
        if isinstance(t, xt.EnumType):
            member = next(iter(t.type))
            return {"enum": class_name(t.type), "member": member.name}
        if isinstance(t, xt.ArrayType):
            return {"list": [self.value(t.type, depth)]}
        if isinstance(t, xt.SetType):
            return {"set": [self.value(t.type, depth)]}
        if isinstance(t, xt.TupleType):
            return {"tuple": [self.value(s, depth) for s in t.types]}
        if isinstance(t, xt.DictType):
            key = self.value(t.keytype, depth)
            return {"dict": [[key, self.value(t.valuetype, depth)]]}
        if isinstance(t, xt.UnionType):
            options = [s for s in t.types if not isinstance(s, xt.NoneTypeType)]
            return self.value(options[0], depth)
        if isinstance(t, xt.ObjectType):
            return self.field_config(t.originaltype, depth)
        if isinstance(t, xt.GenericType) and inspect.isclass(t.origin) \
                and issubclass(t.origin, Config):
            return self.field_config(t.origin, depth)
        raise ValueError(f"no placeholder for type {t!r}")

    def field_config(self, declared: type, depth: int) -> dict:
        """A value for a field declared of a configuration type: a task output when the
        declared type is a task (2.x refuses an unsubmitted one there)."""
        recipe = self.config(self.concrete(declared), depth + 1)
        if issubclass(declared, Task):
            recipe["submit"] = recipe.pop("new")
        return recipe

    def config(self, cls: type, depth: int, full: bool = False) -> dict:
        """The recipe of cls: its required fields set (every settable field if full)."""
        if depth > MAX_DEPTH:
            raise ValueError(f"too deep at {cls}")
        self.stack.append(cls)
        try:
            values = {}
            for name, arg in cls.__getxpmtype__().arguments.items():
                if arg.generator is None and not arg.constant and (arg.required or full):
                    choices = getattr(arg.checker, "choices", None)
                    values[name] = choices[0] if choices else self.value(arg.type, depth)
        finally:
            self.stack.pop()
        return {"new": class_name(cls), "values": values}


def main(out: str, packages: list[str]):
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    import_errors = {}
    for package in packages:
        import_errors.update(import_all(package))
    placeholders = Placeholders()
    entries = []
    for cls in config_classes(packages):
        for full in (False, True):
            entry = {"class": class_name(cls) + (" (all fields)" if full else "")}
            try:
                entry["recipe"] = placeholders.config(cls, 0, full)
            except Exception as e:  # noqa: BLE001 - recorded, compared with ours
                entry["recipe_error"] = f"{type(e).__name__}: {e}"
            entries.append(entry)
    with open(out, "w") as f:
        json.dump({"import_errors": import_errors, "classes": entries}, f, indent=1)
    print(f"{len(entries) // 2} configuration classes, {len(import_errors)} modules not"
          " importable")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:] or PACKAGES)
