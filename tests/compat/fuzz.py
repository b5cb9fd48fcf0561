"""Random configuration schemas, as cases (the format of cases.py), to compare the
identifiers of experimaestro 2.7.0 and ours (scripts/compat-fuzz.sh).

    python fuzz.py --seed 0 --count 1000 OUT.json

Each case declares a few classes (configs, tasks, lightweight tasks, instance configs,
subclasses) with fields of every kind (Param, Meta, Option, Constant) and type (scalars,
paths, enums, lists, dicts, optionals, unions, configurations, generic configurations),
defaults in every form (bare, field(default=), ignore_default, default_factory, legacy,
configurations as defaults, NaN inside them, field() without a default, defaults
inherited by a field declared again), classmethod __xpmid__ inherited by subclasses,
abstract methods, tasks with outputs used by other tasks, and partial identifiers
(parameter groups, a path generated in a partial folder). The same seed gives the same
cases, on any machine.
"""

import argparse
import json
import random

FIELD_NAMES = ["x", "y", "a0", "a1", "a2", "kind", "value", "values", "otype", "obj", "new",
               "default", "args", "kwargs", "info", "result", "n", "lr", "épsilon", "Z"]
FLOATS = [0.0, -0.0, 0.5, 1.0, -3.25, 1e300, 1e-300, float("nan"), float("inf"),
          float("-inf"), 0.1, 2.0]
STRINGS = ["", "a", "hello", "été", "日本", "x y", "a\nb", "0", "None"]


def encode_float(x: float) -> dict:
    return {"float": repr(x)}


class Schema:
    """One random case."""

    def __init__(self, rng: random.Random, name: str):
        self.rng = rng
        self.name = name
        self.module = f"fz.{name}"
        self.enums = []
        self.classes = []  # specs, in declaration order
        self.objects = []
        self.counter = 0

    # -- classes ---------------------------------------------------------------

    def spec(self, name):
        return next(c for c in self.classes if c["name"] == name)

    def fields_of(self, name) -> dict:
        """The effective fields of a class (own ones override inherited ones), with the
        default each one gets (an inherited default for a field declared again)."""
        spec = self.spec(name)
        fields = {}
        if isinstance(spec["base"], dict):
            fields = dict(self.fields_of(spec["base"]["class"]))
        for f in spec["fields"]:
            f = dict(f)
            parent = fields.get(f["name"])
            if "default" not in f and parent is not None and "default" in parent:
                f["inherited_default"] = True
            fields[f["name"]] = f
        return fields

    def root_kind(self, name) -> str:
        spec = self.spec(name)
        while isinstance(spec["base"], dict):
            spec = self.spec(spec["base"]["class"])
        return spec["base"]

    def is_task(self, name) -> bool:
        return self.root_kind(name) == "task"

    def make_enum(self):
        rng = self.rng
        kind = rng.choice(["Enum", "IntEnum", "StrEnum"])
        members = []
        for i, member in enumerate(rng.sample(["RED", "GREEN", "BLUE", "A", "B"], 3)):
            value = {"int": str(i + 1)} if kind != "StrEnum" else member.lower()
            if kind == "Enum" and rng.random() < 0.3:
                value = member.lower()
            members.append([member, value])
        self.enums.append({"name": f"E{len(self.enums)}", "kind": kind,
                           "module": self.module, "qualname": f"E{len(self.enums)}",
                           "members": members})

    def make_class(self, index: int):
        rng = self.rng
        name = f"C{index}"
        configs = [c for c in self.classes if self.root_kind(c["name"]) != "lightweight_task"]
        if configs and rng.random() < 0.35:
            base = {"class": rng.choice(configs)["name"]}
        else:
            base = rng.choices(["config", "task", "instance_config", "lightweight_task"],
                               [6, 3, 1, 1])[0]
        spec = {"name": name, "base": base, "fields": []}
        r = rng.random()
        if r < 0.5:
            spec["xpmid"] = f"fz.{self.name}.{name}".lower()
        else:
            spec["xpmid"] = None
            spec["module"] = self.module
            spec["qualname"] = name
            if r < 0.65 and not isinstance(base, dict):
                spec["xpmid_classmethod"] = f"fzcm.{self.name}"
        if rng.random() < 0.1:
            spec["abstract"] = True
            if rng.random() < 0.2:
                spec["abc"] = True  # then neither implementation builds it
        if rng.random() < 0.15 and not isinstance(base, dict):
            spec["generic"] = True
        self.classes.append(spec)  # visible to its own fields' types (no self-reference)
        inherited = self.fields_of(base["class"]) if isinstance(base, dict) else {}
        names = rng.sample(FIELD_NAMES, rng.randint(0, 4))
        # Declare an inherited field again (same type), with or without a default
        if inherited and rng.random() < 0.4:
            old = rng.choice(list(inherited.values()))
            if old["kind"] != "Constant":
                names = [n for n in names if n not in inherited]
                again = {"name": old["name"], "kind": old["kind"], "type": old["type"]}
                if "groups" in old:
                    again["groups"] = old["groups"]
                if rng.random() < 0.4:
                    again["default"] = self.default(old["type"], old["kind"], name)
                spec["fields"].append(again)
        names = [n for n in names if n not in inherited]
        task = self.is_task(name)
        for fname in names:
            spec["fields"].append(self.field(fname, name))
        if task and rng.random() < 0.3:
            self.add_partial(spec)
        if task and rng.random() < 0.25:
            outs = [c for c in self.classes[:-1] if self.root_kind(c["name"]) == "config"
                    and not c.get("abc")]
            if outs:
                out = rng.choice(outs)["name"]
                spec["outputs"] = {"class": out, "values": self.values_for(out, 2)}
                spec["output_class"] = out

    def add_partial(self, spec):
        groups = ["g1", "g2"]
        for f in spec["fields"]:
            if f["kind"] == "Param" and self.rng.random() < 0.6:
                f["groups"] = [self.rng.choice(groups)]
        excluded = self.rng.sample(groups, self.rng.randint(1, 2))
        spec["partials"] = {"checkpoints": excluded}
        spec["fields"].append({
            "name": "ckpt", "kind": "Meta", "type": "path",
            "default": {"form": "path_generator", "value": "ckpt", "partial": "checkpoints"},
        })

    def field(self, fname: str, owner: str) -> dict:
        rng = self.rng
        kind = rng.choices(["Param", "Meta", "Option", "Constant"], [12, 2, 1, 1])[0]
        ftype = self.type(owner, 0, scalar_only=kind == "Constant")
        f = {"name": fname, "kind": kind, "type": ftype}
        if kind == "Constant" or rng.random() < 0.55:
            f["default"] = self.default(ftype, kind, owner)
        return f

    def type(self, owner: str, depth: int, scalar_only=False):
        rng = self.rng
        scalars = ["int", "float", "str", "bool"]
        if scalar_only:
            return rng.choice(scalars)
        configs = [c["name"] for c in self.classes
                   if c["name"] != owner and self.root_kind(c["name"]) != "lightweight_task"
                   and not c.get("abc")]
        choices = scalars + ["path"] * (depth == 0)
        weights = [3, 3, 3, 2] + [1] * (depth == 0)
        if self.enums:
            choices.append("enum")
            weights.append(2)
        if configs:
            choices.append("class")
            weights.append(5)
        if depth < 2:
            choices += ["list", "dict", "optional", "union"]
            weights += [3, 2, 3, 2]
        pick = rng.choices(choices, weights)[0]
        if pick in scalars or pick == "path":
            return pick
        if pick == "enum":
            return {"enum": rng.choice(self.enums)["name"]}
        if pick == "class":
            target = rng.choice(configs)
            if self.spec(target).get("generic") and rng.random() < 0.7:
                return {"generic": target, "arg": rng.choice(scalars)}
            return {"class": target}
        if pick == "list":
            return {"list": self.type(owner, depth + 1)}
        if pick == "dict":
            return {"dict": ["str", self.type(owner, depth + 1)]}
        if pick == "optional":
            return {"optional": self.type(owner, depth + 1)}
        a, b = rng.sample(["int", "str", "float", "bool"], 2)
        if configs and rng.random() < 0.3:
            b = {"class": rng.choice(configs)}
        return {"union": [a, b]}

    def default(self, ftype, kind: str, owner: str) -> dict:
        rng = self.rng
        if kind == "Constant":
            return {"form": "bare", "value": self.value(ftype, 1, default=owner)}
        if ftype == "path" and rng.random() < 0.5:
            return {"form": "path_generator", "value": "out.txt"}
        form = rng.choice(["bare", "field", "field_ignore", "factory", "factory_ignore",
                           "legacy", "field_only"])
        if form == "field_only":
            return {"form": "field_only"}
        value = self.value(ftype, 1, default=owner)
        if form == "field_ignore":
            return {"form": "field", "value": value, "ignore_default": True}
        if form == "factory_ignore":
            return {"form": "factory", "value": value, "ignore_default": True}
        if form == "legacy" and (isinstance(value, bool) or value is None):
            form = "field"  # field(ignore_default=True/None) is the flag, not a default
        return {"form": form, "value": value}

    # -- values ----------------------------------------------------------------

    def value(self, t, depth: int, default=None):
        """A value of type t; default: the class whose field default this is."""
        rng = self.rng
        if t == "int":
            return {"int": str(rng.choice([0, 1, -1, 7, 42, 2**40, -(2**62)]))}
        if t == "float":
            return encode_float(rng.choice(FLOATS))
        if t == "str":
            return rng.choice(STRINGS)
        if t == "bool":
            return rng.random() < 0.5
        if t == "path":
            return {"path": rng.choice(["/tmp/a", "/data/x.txt", "rel/p"])}
        if "enum" in t:
            enum = next(e for e in self.enums if e["name"] == t["enum"])
            return {"enum": enum["name"], "member": rng.choice(enum["members"])[0]}
        if "list" in t:
            return {"list": [self.item(t["list"], depth + 1, default)
                             for _ in range(rng.randint(0, 3))]}
        if "dict" in t:
            keys = rng.sample(["a", "b", "k", "z", "é"], rng.randint(0, 3))
            return {"dict": [[k, self.item(t["dict"][1], depth + 1, default)] for k in keys]}
        if "optional" in t:
            # (2.x refuses None for Optional[Union[...]]: it is required there)
            if rng.random() < 0.3 and "union" not in t["optional"]:
                return None
            return self.value(t["optional"], depth, default)
        if "union" in t:
            return self.value(rng.choice(t["union"]), depth, default)
        target = t.get("class") or t.get("generic")
        return self.config_value(target, depth, default)

    def item(self, t, depth: int, default=None):
        """A list item or dict value: never None (2.x fails on None in a submitted task's
        lists, a gap where ours succeeds; see docs/concepts/identifiers.md)."""
        while isinstance(t, dict) and "optional" in t:
            t = t["optional"]
        value = self.value(t, depth, default)
        return self.value("int", depth) if value is None else value

    def config_value(self, target: str, depth: int, default=None):
        """A configuration of class target (or of a subclass)."""
        # (a default may not hold a configuration of its own class: that class would be
        # needed to build itself)
        subclasses = [c["name"] for c in self.classes if self.derives(c["name"], target)
                      and not c.get("abc") and not (default and self.derives(c["name"], default))]
        if not subclasses:
            return None
        # Deep down, the declared class itself: its fields name earlier classes only, so
        # the nesting ends
        chosen = subclasses[0] if depth > 3 else self.rng.choice(subclasses)
        if self.is_task(chosen) and not default:
            return {"output": self.submitted(chosen, depth + 1)}
        return {"new": chosen, "values": self.values_for(chosen, depth + 1, default)}

    def derives(self, name, target) -> bool:
        while True:
            if name == target:
                return True
            base = self.spec(name)["base"]
            if not isinstance(base, dict):
                return False
            name = base["class"]

    def values_for(self, cls: str, depth: int, default=None) -> dict:
        values = {}
        for fname, f in self.fields_of(cls).items():
            if f["kind"] == "Constant" or f.get("default", {}).get("form") == "path_generator":
                continue
            needed = "default" not in f and not f.get("inherited_default")
            if f.get("inherited_default") and self.rng.random() < 0.5:
                continue  # the inherited default applies
            if needed or self.rng.random() < 0.5:
                if depth > 3 and not needed:
                    continue
                values[fname] = self.value(f["type"], depth, default)
        return values

    def submitted(self, cls: str, depth: int = 1) -> str:
        oid = f"o{self.counter}"
        self.counter += 1
        obj = {"id": oid, "class": cls, "values": self.values_for(cls, depth), "submit": {}}
        self.objects.append(obj)
        return oid

    # -- the case ----------------------------------------------------------------

    def build(self) -> dict:
        rng = self.rng
        for _ in range(rng.randint(0, 2)):
            self.make_enum()
        for i in range(rng.randint(1, 5)):
            self.make_class(i)
        buildable = [c["name"] for c in self.classes
                     if self.root_kind(c["name"]) != "lightweight_task"]
        root_cls = rng.choice(buildable or [self.classes[-1]["name"]])
        if self.is_task(root_cls):
            root = {"output": self.submitted(root_cls)}
            if self.spec(root_cls).get("outputs"):
                # The task's output, held by a config: digest of the output's class
                root = {"ref": self.objects[-1]["id"]}
        else:
            oid = f"o{self.counter}"
            self.counter += 1
            self.objects.append({"id": oid, "class": root_cls,
                                 "values": self.values_for(root_cls, 0)})
            root = {"ref": oid}
        for spec in self.classes:
            spec.pop("output_class", None)
        return {"name": self.name, "category": "fuzz", "description": "random schema",
                "enums": self.enums, "classes": self.classes, "objects": self.objects,
                "assign": [], "root": root, "expect_error": False, "expected": {}}


def generate(seed: int, count: int) -> list:
    rng = random.Random(seed)
    return [Schema(random.Random(rng.getrandbits(64)), f"s{seed}_{i}").build()
            for i in range(count)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("out")
    args = parser.parse_args()
    cases = generate(args.seed, args.count)
    with open(args.out, "w") as f:
        json.dump({"cases": cases}, f)
    print(f"{len(cases)} random schemas (seed {args.seed})")


if __name__ == "__main__":
    main()
