"""Build the cases of identifier-vectors.json through the public API of experimaestro
2.x, so that the same module builds them under experimaestro 2.7.0 (in its own virtual
environment) and under ours. Beyond the format of ../shared/compat (README there), a
case may use (the random schemas of fuzz.py do):

- class specs: "xpmid_classmethod": prefix (a classmethod __xpmid__ giving
  "prefix.<qualname>", inherited by subclasses), "generic": true (the class is also
  Generic[T]), "abstract": true (an abstract method), "abc": true (derives from abc.ABC),
  "partials": {name: [excluded group...]} (class attributes made with partial());
- types: {"union": [t, ...]}, {"generic": class, "arg": t} (Cls[t]);
- fields: "groups": [group name...] (param_group), default form "field_only"
  (field(ignore_generated=True): a field without default);
- a "path_generator" default may name a "partial".
"""

import abc
import enum
import itertools
import sys
import types
from pathlib import Path
from typing import Generic, Optional, TypeVar, Union

from experimaestro import (
    Config,
    Constant,
    InstanceConfig,
    LightweightTask,
    Meta,
    Option,
    Param,
    PathGenerator,
    RunMode,
    Task,
    experiment,
    field,
    param_group,
    partial,
    setmeta,
)

T = TypeVar("T")

_counter = itertools.count()

KINDS = {"Param": Param, "Meta": Meta, "Option": Option, "Constant": Constant}
BASES = {
    "config": Config,
    "task": Task,
    "lightweight_task": LightweightTask,
    "instance_config": InstanceConfig,
}


class Case:
    def __init__(self, case: dict, workdir: Path):
        self.case = case
        self.workdir = workdir
        self.module = f"vecmod{next(_counter)}"
        mod = types.ModuleType(self.module)
        mod.__package__ = self.module
        sys.modules[self.module] = mod
        self.enums = {}
        self.groups = {}
        self.partials = {}
        self.classes = {}
        self.objects = {}
        self.outputs = {}

    # -- values ----------------------------------------------------------------

    def value(self, v, task=None):
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, dict):
            if "int" in v:
                return int(v["int"])
            if "float" in v:
                return float(v["float"])
            if "list" in v:
                return [self.value(x, task) for x in v["list"]]
            if "tuple" in v:
                return tuple(self.value(x, task) for x in v["tuple"])
            if "set" in v:
                items = [self.value(x, task) for x in v["set"]]
                for x in items:
                    if hasattr(x, "__xpm__"):
                        x.seal()
                return set(items)
            if "dict" in v:
                return {self.value(k, task): self.value(x, task) for k, x in v["dict"]}
            if "path" in v:
                return Path(v["path"])
            if "enum" in v:
                return self.enums[v["enum"]][v["member"]]
            if "ref" in v:
                return self.objects[v["ref"]]
            if "output" in v:
                return self.outputs[v["output"]]
            if "new" in v:
                obj = self.classes[v["new"]].C(
                    **{k: self.value(x, task) for k, x in v.get("values", {}).items()}
                )
                if "setmeta" in v:
                    setmeta(obj, v["setmeta"])
                if v.get("seal"):
                    obj.seal()
                return obj
            if "task_param" in v:
                return getattr(task, v["task_param"])
        raise ValueError(f"unknown value {v!r}")

    def type(self, t):
        simple = {"int": int, "float": float, "str": str, "bool": bool, "path": Path}
        if isinstance(t, str):
            return simple[t]
        if "list" in t:
            return list[self.type(t["list"])]
        if "set" in t:
            return set[self.type(t["set"])]
        if "dict" in t:
            return dict[self.type(t["dict"][0]), self.type(t["dict"][1])]
        if "tuple" in t:
            return tuple[tuple(self.type(x) for x in t["tuple"])]
        if "optional" in t:
            return Optional[self.type(t["optional"])]
        if "union" in t:
            return Union[tuple(self.type(x) for x in t["union"])]
        if "generic" in t:
            return self.classes[t["generic"]][self.type(t["arg"])]
        if "enum" in t:
            return self.enums[t["enum"]]
        if "class" in t:
            return self.classes[t["class"]]
        raise ValueError(t)

    # -- building --------------------------------------------------------------

    def build_enums(self):
        kinds = {"Enum": enum.Enum, "IntEnum": enum.IntEnum, "StrEnum": enum.StrEnum}
        for e in self.case["enums"]:
            members = [(name, self.value(v)) for name, v in e["members"]]
            module = e["module"]
            if module not in sys.modules:
                m = types.ModuleType(module)
                m.__package__ = module
                sys.modules[module] = m
            self.enums[e["name"]] = kinds[e["kind"]](
                e["qualname"].rsplit(".", 1)[-1], members, module=module, qualname=e["qualname"]
            )

    def build_classes(self):
        specs = self.case["classes"]
        for spec in specs:
            base = spec["base"]
            base_cls = self.classes[base["class"]] if isinstance(base, dict) else BASES[base]
            ns = {"__module__": self.module, "__qualname__": spec["name"]}
            if spec.get("xpmid") is not None:
                ns["__xpmid__"] = spec["xpmid"]
            else:
                module = spec["module"]
                if module not in sys.modules:
                    m = types.ModuleType(module)
                    m.__package__ = module
                    sys.modules[module] = m
                ns["__module__"] = module
                ns["__qualname__"] = spec["qualname"]
            if issubclass(base_cls, LightweightTask):
                ns["execute"] = lambda self: None
            if spec.get("outputs"):
                out = spec["outputs"]
                ns["task_outputs"] = self._outputs_method(out)
            if "xpmid_classmethod" in spec:
                prefix = spec["xpmid_classmethod"]
                ns["__xpmid__"] = classmethod(lambda cls: f"{prefix}.{cls.__qualname__}")
            if spec.get("abstract"):
                ns["compute"] = abc.abstractmethod(lambda self: None)
            for name, excluded in spec.get("partials", {}).items():
                ns[name] = self.partials[spec["name"], name] = partial(
                    exclude_groups=[self.group(g) for g in excluded])
            bases = (base_cls,)
            if spec.get("generic"):
                bases += (Generic[T],)
            if spec.get("abc"):
                bases += (abc.ABC,)
            cls = types.new_class(spec["name"], bases, {}, lambda body: body.update(ns))
            self.classes[spec["name"]] = cls
        for spec in specs:
            cls = self.classes[spec["name"]]
            cls.__annotations__ = {
                f["name"]: KINDS[f["kind"]][self.type(f["type"])] for f in spec["fields"]
            }
        for spec in specs:
            cls = self.classes[spec["name"]]
            for f in spec["fields"]:
                d = f.get("default")
                if not d or d["form"] == "none":
                    if f.get("groups"):
                        setattr(cls, f["name"], field(groups=[self.group(g) for g in f["groups"]]))
                    continue
                setattr(cls, f["name"], self.default(d, f.get("groups", ()), spec["name"]))

    def group(self, name):
        if name not in self.groups:
            self.groups[name] = param_group(name)
        return self.groups[name]

    def _outputs_method(self, out):
        case = self

        def task_outputs(self, dep):
            values = {k: case.value(v, self) for k, v in out["values"].items()}
            return dep(case.classes[out["class"]].C(**values))

        return task_outputs

    def default(self, d, groups=(), owner=None):
        form = d["form"]
        kwargs = {}
        if groups:
            kwargs["groups"] = [self.group(g) for g in groups]
        if "ignore_default" in d:
            kwargs["ignore_default"] = d["ignore_default"]
        if form == "field_only":
            return field(ignore_generated=True, **kwargs)
        if form == "bare":
            return self.value(d["value"])
        if form == "field":
            return field(default=self.value(d["value"]), **kwargs)
        if form == "factory":
            return field(default_factory=lambda: self.value(d["value"]), **kwargs)
        if form == "legacy":
            return field(ignore_default=self.value(d["value"]))
        if form == "path_generator":
            if "partial" in d:
                generator = PathGenerator(d["value"],
                                          partial=self.partials[owner, d["partial"]])
            else:
                generator = PathGenerator(d["value"])
            return field(default_factory=generator, **kwargs)
        raise ValueError(form)

    def build_objects(self, xp):
        for o in self.case["objects"]:
            obj = self.classes[o["class"]].C(
                **{k: self.value(v) for k, v in o.get("values", {}).items()}
            )
            if "setmeta" in o:
                setmeta(obj, o["setmeta"])
            if o.get("seal"):
                obj.seal()
            if "submit" in o:
                init = [self.value(v) for v in o["submit"].get("init_tasks", [])]
                self.outputs[o["id"]] = obj.submit(init_tasks=init)
            if o.get("precompute_identifier"):
                obj.__identifier__()
            self.objects[o["id"]] = obj
        for a in self.case["assign"]:
            setattr(self.objects[a["object"]], a["field"], self.value(a["value"]))

    def build(self):
        """Build everything; returns the root config."""
        self.build_enums()
        self.build_classes()
        if any("submit" in o for o in self.case["objects"]):
            with experiment(self.workdir, "vectors", run_mode=RunMode.DRY_RUN):
                self.build_objects(None)
        else:
            self.build_objects(None)
        return self.value(self.case["root"])


def digest(cfg) -> str:
    return cfg.__identifier__().all.hex()


def job_path(cfg) -> str:
    return cfg.__xpm__.job.relpath
