"""Recipes: configurations described as JSON, built through the public API of
experimaestro 2.x (``Cls.C(...)``, ``submit()``), so that the very same configuration can
be built by experimaestro 2.7.0 in its own virtual environment and by ours, and their
identifiers compared. Standard library and experimaestro's documented API only: this
module runs on both sides.

A value is one of:
    null, true/false, a string            as is
    {"int": "1"}, {"float": "0.5"}         numbers (floats as repr: "nan" and "inf" too)
    {"path": "/x"}                         a pathlib.Path
    {"list": [v...]}, {"tuple": [v...]}    containers
    {"set": [v...]}
    {"dict": [[k, v]...]}
    {"enum": "module:Qualname", "member": "NAME"}
    {"new": "module:Qualname", "values": {name: v}}          Cls.C(**values)
    {"submit": "module:Qualname", "values": {...}}           Cls.C(**values).submit()
"""

import importlib
from pathlib import Path


def resolve(name: str):
    """'package.module:Outer.Inner' -> the object."""
    module, _, qualname = name.partition(":")
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def class_name(cls) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def needs_experiment(value) -> bool:
    """True if building the value submits a task (needs an experiment)."""
    if isinstance(value, dict):
        if "submit" in value:
            return True
        return any(needs_experiment(v) for v in value.values())
    if isinstance(value, list):
        return any(needs_experiment(v) for v in value)
    return False


def build(value):
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, dict):
        if "int" in value:
            return int(value["int"])
        if "float" in value:
            return float(value["float"])
        if "path" in value:
            return Path(value["path"])
        if "list" in value:
            return [build(v) for v in value["list"]]
        if "tuple" in value:
            return tuple(build(v) for v in value["tuple"])
        if "set" in value:
            items = [build(v) for v in value["set"]]
            for item in items:
                if hasattr(item, "__xpm__"):
                    item.seal()  # 2.x hashes sealed configurations only
            return set(items)
        if "dict" in value:
            return {build(k): build(v) for k, v in value["dict"]}
        if "enum" in value:
            return resolve(value["enum"])[value["member"]]
        if "new" in value or "submit" in value:
            cls = resolve(value.get("new") or value["submit"])
            cfg = cls.C(**{k: build(v) for k, v in value.get("values", {}).items()})
            return cfg.submit() if "submit" in value else cfg
    raise ValueError(f"not a recipe value: {value!r}")


def encode_float(x: float) -> dict:
    return {"float": repr(x)}
