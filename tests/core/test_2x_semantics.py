"""2.x behaviours that real client packages rely on (issue: real 2.x code runs unchanged).

Their identifiers are compared with experimaestro 2.7.0 itself in tests/test_compat_2x.py
(tests/compat/facts.py builds the same classes on both sides); here, what each behaviour
means for a user of ours, and the errors where 2.x refuses too.
"""

import abc
import json
import math
from pathlib import Path
from typing import Generic, Optional, TypeVar, Union

import pytest

from experimaestro import (
    Config,
    DataPath,
    InstanceConfig,
    LightweightTask,
    Meta,
    Param,
    PathGenerator,
    RunMode,
    Task,
    experiment,
    field,
    load,
    param_group,
    partial,
    save,
    stop_tags,
    tag,
    tags,
)
from experimaestro.core.partial import partial_identifier


def ident(cfg) -> str:
    return cfg.__identifier__().hex()


# -- type ids --------------------------------------------------------------------------


class IRDSId(Config):
    irds: Param[str]

    @classmethod
    def __xpmid__(cls):
        return f"ir_datasets.{cls.__qualname__}"


class Topics(IRDSId):
    pass


class Named(Config):
    __xpmid__ = "my.named"


class NamedChild(Named):
    pass


def test_a_classmethod_xpmid_of_a_base_class_names_its_subclasses():
    assert Topics.__xpmtype__.identifier == "ir_datasets.topics"
    # a plain string is the class's own: subclasses get module.qualname
    assert Named.__xpmtype__.identifier == "my.named"
    assert NamedChild.__xpmtype__.identifier.endswith(".namedchild")


class HoldsConfig(Config):
    value: Param[Config]


def test_base_classes_have_the_type_ids_and_module_of_2x(tmp_path):
    assert Config.__xpmtype__.identifier == "experimaestro.core.objects.config.config"
    assert Task.__xpmtype__.identifier == "experimaestro.core.objects.config.task"
    assert InstanceConfig.__xpmtype__.identifier == (
        "experimaestro.core.objects.config.instanceconfig")

    save(HoldsConfig.C(value=Config.C()), tmp_path)
    records = json.loads((tmp_path / "experimaestro.json").read_text())["objects"]
    assert (records[0]["module"], records[0]["type"]) == (
        "experimaestro.core.objects.config", "Config")
    assert ident(load(tmp_path)) == ident(HoldsConfig.C(value=Config.C()))


# -- defaults and equality ----------------------------------------------------------------


class F(Config):
    x: Param[float] = field(default=1.0)
    y: Param[list[int]] = field(default_factory=lambda: [3])


class HoldsF(Config):
    f: Param[F] = field(default=F.C(y=[5]), ignore_default=True)


def test_a_default_configuration_is_copied_without_its_factory_values():
    # 2.x copies a default configuration without the values of its generated fields:
    # they are made again (y=[3], not the [5] of the declaration)
    assert HoldsF.C().f.y == [3]
    assert ident(HoldsF.C()) == ident(HoldsF.C(f=F.C()))
    assert ident(HoldsF.C()) != ident(HoldsF.C(f=F.C(y=[5])))


def test_equality_of_configurations_is_the_one_of_2x():
    nan = F.C(x=math.nan)
    assert nan != nan  # no identity shortcut: NaN is not equal to itself
    assert F.C(x=2.0) == F.C(x=2.0)
    assert F.C() != F.C(y=[4])


class Sealing(Config):
    made: Meta[list[int]] = field(default_factory=lambda: [1, 2])
    out: Meta[Path] = field(default_factory=PathGenerator("x"))
    maybe: Param[Optional[int]]


def test_meta_factories_run_when_sealed_and_optional_fields_hold_none():
    cfg = Sealing.C()
    assert cfg.made is None and cfg.out is None and cfg.maybe is None
    assert set(cfg.__xpm__.values) == {"made", "out", "maybe"}
    cfg.seal()
    assert cfg.made == [1, 2]
    assert Sealing.C().instance().made == [1, 2]


def test_a_default_that_needs_its_own_class_is_refused_clearly():
    class Loop(Config):
        x: Param[int] = field(default=1)
        other: Param[Optional[Config]] = field(default_factory=lambda: Loop.C())

    with pytest.raises(TypeError, match=r"Loop: building a default value of its fields"
                       r" needs .*Loop itself .*make that default None"):
        Loop.C()


# -- abstract methods, generics, tasks ----------------------------------------------------


class Scorer(Config):
    @abc.abstractmethod
    def score(self):
        ...


class ABCScorer(Config, abc.ABC):
    @abc.abstractmethod
    def score(self):
        ...


class NoExecute(Task):
    pass


def test_abstract_methods_stop_construction_only_under_abc(tmp_path):
    Scorer.C()  # as in 2.x: configuration classes are plain classes
    with pytest.raises(TypeError, match="abstract method score"):
        ABCScorer.C()
    task = NoExecute.C()
    with pytest.raises(NotImplementedError, match="^NoExecute does not define execute"):
        task.instance().execute()


T = TypeVar("T")


class Item:
    pass


class Sampler(Config, Generic[T]):
    size: Param[int] = field(default=2)


class IntSampler(Sampler[int]):
    pass


class UsesSampler(Config):
    sampler: Param[Sampler[Item]]


def test_generic_configuration_types():
    UsesSampler.C(sampler=Sampler.C())
    with pytest.raises(ValueError, match=r"UsesSampler.sampler: expected a configuration"
                       r" Sampler\[Item\].*fixes the type argument int, not compatible with"
                       r" Item"):
        UsesSampler.C(sampler=IntSampler.C())


class Loader(LightweightTask):
    pass


class IDList(Config):
    pass


class Folds(Task, IDList):
    pass


class HoldsLoader(Config):
    loader: Param[Loader]
    ids: Param[IDList]
    folds: Param[Optional[Folds]]


def test_whether_a_task_must_be_submitted_depends_on_the_declared_type():
    HoldsLoader.C(loader=Loader.C(), ids=Folds.C())  # declared Loader / IDList: accepted
    with pytest.raises(ValueError, match=r"HoldsLoader.folds: .*this task was not submitted"):
        HoldsLoader.C(loader=Loader.C(), ids=IDList.C(), folds=Folds.C())


# -- fields -------------------------------------------------------------------------------


class Retriever(Config):
    store: Param[Optional[IDList]] = field(default=None, ignore_default=True)
    k: Param[int] = field(default=10)


class Hydrator(Retriever):
    store: Param[IDList]  # declared again without a default: the parent's default
    k: Param[int]
    listener: Param[IDList] = field(ignore_generated=True)  # field() without default


def test_field_without_default_is_optional_and_defaults_are_inherited():
    with pytest.warns(UserWarning, match="Hydrator.store redeclares the field of Retriever"):
        cfg = Hydrator.C()  # (2.x warns too)
    assert cfg.k == 10 and cfg.store is None and cfg.listener is None
    assert ident(cfg) == ident(Hydrator.C(k=10))


class OddNames(Config):
    a0: Param[int] = field(default=0)
    a1: Param[Config]
    otype: Param[int] = field(default=1)
    MISSING: Param[int] = field(default=2)


def test_field_names_do_not_clash_with_the_generated_constructor():
    cfg = OddNames.C(a1=Config.C(), a0=3, MISSING=4)
    assert (cfg.a0, cfg.otype, cfg.MISSING) == (3, 1, 4)


class Unions(Config):
    a: Param[Union[int, str]]
    b: Param[float | int] = field(default=1)
    c: Param[Union[IDList, int]] = field(default=0)


def test_unions_convert_as_2x_does_first_option_first():
    cfg = Unions.C(a="1", b=0, c=IDList.C())
    assert cfg.a == 1 and type(cfg.b) is float and isinstance(cfg.c, IDList)
    assert Unions.C(a="x").a == "x"
    with pytest.raises(ValueError, match=r"^Unions.a: expected int \| str, got list"):
        Unions.C(a=[1])


# -- tags ---------------------------------------------------------------------------------


class Model(Config):
    lr: Param[float]


class Learner(Config):
    model: Param[Model]
    epochs: Param[int] = field(default=1)


def test_tags_of_configurations_and_stop_tags():
    learner = Learner.C(model=stop_tags(tag(Model.C(lr=tag(0.1)))), epochs=tag(3))
    learner.tag("name", "run-1")
    found = tags(learner)
    assert set(found) == {"model", "epochs", "name"}  # lr stays below model
    assert found["model"].lr == 0.1 and found["epochs"] == 3


# -- partial folders ------------------------------------------------------------------------

iter_group = param_group("iter")


class Learn(Task):
    checkpoints = partial(exclude_groups=[iter_group])

    max_iter: Param[int] = field(groups=[iter_group])
    learning_rate: Param[float]
    path: Meta[Path] = field(default_factory=PathGenerator("checkpoints", partial=checkpoints))

    def execute(self):
        pass


class LearnNoIter(Task):
    learning_rate: Param[float]

    def execute(self):
        pass


def test_partial_folders_are_named_and_identified_as_in_2x(tmp_path):
    with experiment(tmp_path, "partials", run_mode=RunMode.DRY_RUN):
        short = Learn.C(max_iter=100, learning_rate=0.1)
        long = Learn.C(max_iter=200, learning_rate=0.1)
        short.submit()
        long.submit()
    assert short.path == long.path
    relative = short.path.relative_to(tmp_path.resolve())
    type_id = Learn.__xpmtype__.identifier
    ident_no_iter = partial_identifier(short, Learn.checkpoints)
    assert relative == Path("partials", type_id, "checkpoints", ident_no_iter, "checkpoints")
    # the partial identifier is the identifier without the excluded parameters
    assert Learn.checkpoints.name == "checkpoints"
    assert ident_no_iter != ident(short)


# -- saving ---------------------------------------------------------------------------------


class Weights(Config):
    path: DataPath
    vocabulary: DataPath

    def __xpm_serialize__(self, context):
        data = super().__xpm_serialize__(context)
        data["path"] = context.serialize(context.var_path + ["model_weights.bin"],
                                         Path(self.path), self)
        return data


class HoldsWeights(Config):
    weights: Param[Weights]


def test_xpm_serialize_decides_where_data_files_are_saved(tmp_path):
    (tmp_path / "w.bin").write_text("w")
    (tmp_path / "v.txt").write_text("v")
    cfg = HoldsWeights.C(weights=Weights.C(path=tmp_path / "w.bin", vocabulary=tmp_path / "v.txt"))
    save(cfg, tmp_path / "saved")
    assert (tmp_path / "saved" / "weights" / "model_weights.bin").read_text() == "w"
    assert (tmp_path / "saved" / "weights" / "vocabulary").read_text() == "v"
    loaded = load(tmp_path / "saved")
    assert loaded.weights.path == tmp_path / "saved" / "weights" / "model_weights.bin"
    assert ident(loaded) == ident(cfg)


def test_xpm_serialize_must_return_serialized_paths(tmp_path):
    class Bad(Config):
        path: DataPath

        def __xpm_serialize__(self, context):
            return {"path": "not a serialized path"}

    (tmp_path / "f").write_text("x")
    with pytest.raises(TypeError, match=r"__xpm_serialize__ must map names to SerializedPath"):
        save(Bad.C(path=tmp_path / "f"), tmp_path / "saved")


class Count(Config):
    n: Param[int]
    either: Param[Union[int, float]] = field(default=0)


def test_floats_become_ints_within_64_bits_as_2x_converts_them():
    assert Count.C(n=2.0**62).n == 2**62
    with pytest.raises(ValueError, match=r"^Count.n: expected int, got float 1e\+300 \(the"
                       r" float is out of the 64-bit range\)$"):
        Count.C(n=1e300)
    assert Count.C(n=1, either=1e300).either == 1e300  # the next option of the union
