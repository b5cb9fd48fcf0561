"""From configuration to instance: ``cfg.instance()``."""

from pathlib import Path
from typing import Optional

from experimaestro import (
    Config,
    Constant,
    InstanceConfig,
    Meta,
    Param,
    PathGenerator,
    Task,
    field,
)


class Encoder(Config):
    dim: Param[int]

    def __post_init__(self):
        self.ready = True


class Model(Config):
    encoder: Param[Encoder]
    decoder: Param[Encoder]
    extra: Param[list[Encoder]] = field(default_factory=list)
    by_name: Param[dict[str, Encoder]] = field(default_factory=dict)
    version: Constant[int] = 3
    note: Meta[Optional[str]]


def test_instance_is_an_object_of_the_class_with_the_values():
    encoder = Encoder.C(dim=4).instance()
    assert type(encoder) is Encoder
    assert encoder.dim == 4 and encoder.ready
    assert getattr(encoder, "__xpm__", None) is None  # not a configuration


def test_instance_keeps_its_configuration():
    cfg = Encoder.C(dim=4)
    assert cfg.instance().__config__ is cfg
    assert not hasattr(cfg.instance(keep=False), "__config__")


def test_nested_configs_become_instances():
    cfg = Model.C(encoder=Encoder.C(dim=1), decoder=Encoder.C(dim=2),
                  extra=[Encoder.C(dim=3)], by_name={"a": Encoder.C(dim=4)})
    model = cfg.instance()
    assert type(model.encoder) is Encoder and model.encoder.dim == 1 and model.encoder.ready
    assert model.decoder.dim == 2
    assert [type(e) for e in model.extra] == [Encoder] and model.extra[0].dim == 3
    assert model.by_name["a"].dim == 4 and type(model.by_name["a"]) is Encoder
    assert model.version == 3 and model.note is None
    assert model.encoder.__config__ is cfg.encoder


def test_shared_configs_give_shared_instances():
    shared = Encoder.C(dim=1)
    model = Model.C(encoder=shared, decoder=shared, extra=[shared]).instance()
    assert model.encoder is model.decoder is model.extra[0]


def test_equal_configs_give_distinct_instances():
    model = Model.C(encoder=Encoder.C(dim=1), decoder=Encoder.C(dim=1)).instance()
    assert model.encoder is not model.decoder


def test_each_call_builds_new_instances():
    cfg = Encoder.C(dim=1)
    assert cfg.instance() is not cfg.instance()


def test_objects_store_reuses_instances_across_calls():
    shared = Encoder.C(dim=1)
    objects = {}
    first = Model.C(encoder=shared, decoder=Encoder.C(dim=2)).instance(objects=objects)
    second = Model.C(encoder=shared, decoder=Encoder.C(dim=3)).instance(objects=objects)
    assert first.encoder is second.encoder
    assert first.decoder is not second.decoder


def test_children_are_built_before_post_init():
    seen = []

    class Parent(Config):
        child: Param[Encoder]

        def __post_init__(self):
            seen.append(type(self.child).__name__)

    Parent.C(child=Encoder.C(dim=1)).instance()
    assert seen == ["Encoder"]


def test_instance_config_shared_and_separate():
    class Sub(InstanceConfig):
        __xpmid__ = "instance.sub"
        value: Param[int] = 100

    class Main(Config):
        __xpmid__ = "instance.main"
        m1: Param[Sub]
        m2: Param[Sub]

    class PlainSub(Config):
        __xpmid__ = "instance.sub"
        value: Param[int] = 100

    class PlainMain(Config):
        __xpmid__ = "instance.main"
        m1: Param[PlainSub]
        m2: Param[PlainSub]

    sm1, sm2 = Sub.C(), Sub.C()
    shared, separate = Main.C(m1=sm1, m2=sm1), Main.C(m1=sm1, m2=sm2)
    assert shared.__identifier__() != separate.__identifier__()
    # A shared InstanceConfig hashes like a plain config (equal plain configs too)
    plain = PlainMain.C(m1=PlainSub.C(), m2=PlainSub.C()).__identifier__()
    assert shared.__identifier__() == plain
    i_shared, i_separate = shared.instance(), separate.instance()
    assert i_shared.m1 is i_shared.m2
    assert i_separate.m1 is not i_separate.m2


class Generates(Task):
    out: Meta[Path] = field(default_factory=PathGenerator("out.txt"))

    def execute(self):
        pass


def test_task_instance_before_submission_has_no_generated_path():
    task = Generates.C().instance()
    assert isinstance(task, Generates) and task.out is None


def test_task_instance_after_submission_has_the_generated_path(generate_xp):
    cfg = Generates.C()
    cfg.submit()
    assert cfg.instance().out == cfg.jobpath / "out.txt"


def test_sets_and_tuples_are_converted():
    class Holder(Config):
        members: Param[set[Encoder]]

    members = {Encoder.C(dim=1).seal()}
    holder = Holder.C(members=members).instance()
    (member,) = holder.members
    assert type(member) is Encoder and member.dim == 1
