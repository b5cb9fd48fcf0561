"""The behaviours of experimaestro 2.x that real client packages rely on, each as a small
configuration whose identifier (or tags, or refusal) is computed here; run on both sides
(experimaestro 2.7.0 in its own environment, and ours), the results must be equal
(tests/test_compat_facts.py). Public API of 2.x only.

    python facts.py OUT.json
"""

import abc
import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Generic, Optional, TypeVar, Union

from experimaestro import (
    Config,
    InstanceConfig,
    LightweightTask,
    Meta,
    Param,
    PathGenerator,
    RunMode,
    Task,
    experiment,
    field,
    param_group,
    partial,
    stop_tags,
    tag,
    tags,
)

FACTS = {}


def fact(function):
    """Register a fact: a function returning a JSON value (usually an identifier)."""
    FACTS[function.__name__] = function
    return function


def digest(cfg) -> str:
    return cfg.__identifier__().all.hex()


# 1. A classmethod __xpmid__ of a base class gives the type ids of its subclasses


class IRDSId(Config):
    irds: Param[str]

    @classmethod
    def __xpmid__(cls):
        return f"ir_datasets.{cls.__qualname__}"


class Topics(IRDSId):
    pass


class Documents(Topics):
    count: Param[int] = field(default=1)


class Plain(Config):
    __xpmid__ = "facts.plain"


class PlainChild(Plain):
    pass  # a plain-string __xpmid__ is not inherited


@fact
def xpmid_classmethod_inherited():
    return [digest(Topics.C(irds="a")), digest(Documents.C(irds="a")),
            digest(PlainChild.C())]


# 2. The base classes keep their 2.x type ids when held as values


class HoldsConfig(Config):
    value: Param[Config]


class HoldsList(Config):
    values: Param[list[Config]]


@fact
def base_classes_type_ids():
    return [digest(HoldsConfig.C(value=Config.C())),
            digest(HoldsList.C(values=[Config.C(), InstanceConfig.C(), LightweightTask.C()]))]


# 3. NaN in a configuration used as a default: never equal to its copy, so hashed


class F(Config):
    x: Param[float] = field(default=1.0)
    y: Param[list[int]] = field(default_factory=lambda: [3])


class HoldsNaN(Config):
    f: Param[F] = field(default=F.C(x=math.nan), ignore_default=True)


class HoldsNaNList(Config):
    fs: Param[list[F]] = field(default=[F.C(x=math.nan)], ignore_default=True)


@fact
def nan_in_default_configuration():
    return [digest(HoldsNaN.C()), digest(HoldsNaN.C(f=F.C(x=math.nan))),
            digest(HoldsNaNList.C()), digest(HoldsNaNList.C(fs=[F.C(x=math.nan)]))]


# 4. A configuration used as a default is copied without its default_factory values


class HoldsF(Config):
    f: Param[F] = field(default=F.C(y=[5]), ignore_default=True)


class HoldsFactory(Config):
    f: Param[F] = field(default_factory=lambda: F.C(y=[7]), ignore_default=True)


@fact
def default_configuration_copied_without_factory_values():
    return [digest(HoldsF.C()), digest(HoldsF.C(f=F.C())), digest(HoldsF.C(f=F.C(y=[5]))),
            digest(HoldsFactory.C()), digest(HoldsFactory.C(f=F.C(y=[7]))),
            digest(HoldsFactory.C(f=F.C()))]


# 5. Abstract methods stop .C() only under abc.ABC


class AbstractScorer(Config):
    k: Param[int] = field(default=3)

    @abc.abstractmethod
    def score(self):
        ...


class AbstractTask(Task):
    pass  # no execute(): configurable, fails only when run


class ABCScorer(Config, abc.ABC):
    @abc.abstractmethod
    def score(self):
        ...


@fact
def abstract_methods():
    result = [digest(AbstractScorer.C()), digest(AbstractTask.C())]
    try:
        ABCScorer.C()
        result.append("built")
    except TypeError:
        result.append("refused")
    return result


# 6. Generic configuration classes

T = TypeVar("T")


class Sampler(Config, Generic[T]):
    size: Param[int] = field(default=2)


class Item:
    pass


class IntSampler(Sampler[int]):
    pass


class UsesSampler(Config):
    sampler: Param[Sampler[Item]]
    samplers: Param[list[Sampler[int]]] = field(default_factory=list)


@fact
def generic_configurations():
    result = [digest(UsesSampler.C(sampler=Sampler.C())),
              digest(UsesSampler.C(sampler=Sampler.C(size=4), samplers=[IntSampler.C()]))]
    try:
        UsesSampler.C(sampler=IntSampler.C())  # a Sampler[int] where Sampler[Item] is due
        result.append("accepted")
    except Exception:
        result.append("refused")
    return result


# 7. Whether a task must be submitted depends on the declared type


class Loader(LightweightTask):
    path: Param[str] = field(default="x")


class IDList(Config):
    pass


class FoldGenerator(Task, IDList):
    seed: Param[int] = field(default=1)


class HoldsLoader(Config):
    loader: Param[Loader]
    ids: Param[IDList]


class HoldsTask(Config):
    task: Param[FoldGenerator]


@fact
def unsubmitted_task_and_declared_type():
    result = [digest(HoldsLoader.C(loader=Loader.C(), ids=FoldGenerator.C(seed=3)))]
    try:
        HoldsTask.C(task=FoldGenerator.C())
        result.append("accepted")
    except Exception:
        result.append("refused")
    return result


# 8. field(...) without default: optional; a field declared again inherits its default


class Retriever(Config):
    store: Param[Optional[IDList]] = field(default=None, ignore_default=True)
    k: Param[int] = field(default=10)


class Hydrator(Retriever):
    store: Param[IDList]  # declared again, without a default: still optional
    k: Param[int]
    listener: Param[IDList] = field(ignore_generated=True)  # no default: optional


@fact
def field_without_default_and_inherited_defaults():
    return [digest(Hydrator.C()), digest(Hydrator.C(k=10)), digest(Hydrator.C(k=11)),
            digest(Hydrator.C(store=IDList.C()))]


# 9. Field names that the generated code of a constructor might use


class OddNames(Config):
    a0: Param[int] = field(default=0)
    a1: Param[Config]
    kind: Param[str] = field(default="k")
    otype: Param[int] = field(default=1)
    MISSING: Param[int] = field(default=2)
    values: Param[list[int]] = field(default_factory=list)


@fact
def field_names_of_generated_code():
    return digest(OddNames.C(a1=Config.C(), a0=3, kind="z", MISSING=4, values=[1]))


# 10. Unions, tags, stop_tags


class Unions(Config):
    a: Param[Union[int, str]]
    b: Param[int | float] = field(default=1)
    c: Param[Optional[Union[float, int]]] = field(default=None)
    d: Param[Union[IDList, int]] = field(default=0)
    e: Param[float | int] = field(default_factory=lambda: 0)


@fact
def unions():
    return [digest(Unions.C(a="1")), digest(Unions.C(a=2, b=2.5, c=0)),
            digest(Unions.C(a="x", d=IDList.C(), c=1.5)), digest(Unions.C(a=1, e=0))]


class Model(Config):
    lr: Param[float]
    size: Param[int] = field(default=3)


class Learner(Config):
    model: Param[Model]
    other: Param[Model]
    epochs: Param[int] = field(default=1)


@fact
def tags_and_stop_tags():
    learner = Learner.C(
        model=Model.C(lr=tag(0.1), size=tag(4)),
        other=stop_tags(Model.C(lr=tag(0.5))),
        epochs=tag(3),
    )
    learner.tag("name", "run-1")
    tagged_config = Learner.C(model=tag(Model.C(lr=0.2)), other=Model.C(lr=0.3))
    return [digest(learner), sorted(tags(learner).items()),
            sorted(tags(tagged_config)), digest(tagged_config)]


# 11. Partial identifiers and the folder of a partial PathGenerator

iter_group = param_group("iter")


class Learn(Task):
    checkpoints = partial(exclude_groups=[iter_group])

    max_iter: Param[int] = field(groups=[iter_group])
    learning_rate: Param[float]
    path: Meta[Path] = field(default_factory=PathGenerator("checkpoints", partial=checkpoints))

    def execute(self):
        pass


@fact
def partial_folders():
    with tempfile.TemporaryDirectory() as workdir:
        with experiment(workdir, "facts", run_mode=RunMode.DRY_RUN):
            paths = []
            for max_iter in (100, 200):
                task = Learn.C(max_iter=max_iter, learning_rate=0.1)
                task.submit()
                paths.append(str(Path(task.path).relative_to(Path(workdir).resolve())))
            return paths


def main(out: str):
    sys._called_from_test = True  # (2.x) classes of this script are test classes
    results = {}
    for name, function in FACTS.items():
        try:
            results[name] = function()
        except Exception as e:  # noqa: BLE001 - recorded and compared
            results[name] = f"error: {type(e).__name__}: {e}"
    with open(out, "w") as f:
        json.dump(results, f, indent=1, default=str)
    print(f"{len(results)} facts")


if __name__ == "__main__":
    main(sys.argv[1])
