"""Configuration classes: Config, Task, LightweightTask, ResumableTask, InstanceConfig,
``.C(...)``, value classes, copy, dependencies."""

import pytest

from experimaestro import (
    Config,
    InstanceConfig,
    LightweightTask,
    Param,
    ResumableTask,
    Task,
    copyconfig,
    tag,
)


class Model(Config):
    hidden: Param[int]


class Learner(Config):
    model: Param[Model]
    lr: Param[float] = 0.1


class Train(Task):
    learner: Param[Learner]

    def execute(self):
        pass


class Setup(LightweightTask):
    seed: Param[int]

    def execute(self):
        pass


class Long(ResumableTask):
    epochs: Param[int]

    def execute(self):
        pass


# -- the base classes ----------------------------------------------------------


def test_config_C_builds_a_configuration_of_the_class():
    cfg = Model.C(hidden=3)
    assert isinstance(cfg, Model)
    assert type(cfg) is Model.XPMConfig
    assert Model.C is Model.XPMConfig
    assert cfg.hidden == 3


def test_xpmconfig_is_one_class_per_config_class():
    assert Model.XPMConfig is Model.XPMConfig
    assert Model.XPMConfig is not Learner.XPMConfig
    assert Model.XPMConfig.__xpm_user_class__ is Model


def test_xpmvalue_defaults_to_the_class_itself():
    assert Model.XPMValue is Model


def test_calling_the_class_is_deprecated_but_builds_a_configuration():
    with pytest.warns(DeprecationWarning, match=r"Model\(\.\.\.\) is deprecated.*Model\.C"):
        cfg = Model(hidden=1)
    assert type(cfg) is Model.XPMConfig and cfg.hidden == 1


def test_positional_arguments_are_refused():
    with pytest.raises(TypeError, match=r"Model\.C\(\) takes keyword arguments only .*got 1"):
        Model.C(3)


def test_task_kinds():
    assert issubclass(Task, LightweightTask) and issubclass(LightweightTask, Config)
    assert issubclass(ResumableTask, Task)
    assert issubclass(InstanceConfig, Config)
    assert Train.__xpmtype__.task and Setup.__xpmtype__.task and Long.__xpmtype__.task
    assert not Model.__xpmtype__.task
    assert Long.C(epochs=2).epochs == 2


def test_resumable_task_has_no_time_limit_outside_a_job():
    assert Long.C(epochs=1).instance().remaining_time() is None


def test_only_tasks_can_be_submitted():
    with pytest.raises(TypeError, match="Model is not a Task: only tasks can be submitted"):
        Model.C(hidden=1).submit()


def test_type_identifier_is_module_and_qualname_lowercased():
    assert Model.__xpmtype__.identifier == f"{__name__}.model"


def test_type_identifier_from_xpmid():
    class Named(Config):
        __xpmid__ = "My.Named"

    assert Named.__xpmtype__.identifier == "my.named"


# -- value classes ---------------------------------------------------------------


class Net(Config):
    size: Param[int]


@Net.value_class()
class NetValue(Net):
    def __init__(self):
        # The values are set before __init__ runs
        self.weights = [0.0] * self.size


def test_value_class_is_used_for_instances():
    assert Net.XPMValue is NetValue
    net = Net.C(size=3).instance()
    assert type(net) is NetValue
    assert net.weights == [0.0, 0.0, 0.0]


def test_value_class_cannot_build_configurations():
    with pytest.raises(TypeError, match=r"NetValue is a value class .*from Net\.C\(\.\.\.\)"):
        NetValue.C(size=1)


def test_value_class_must_subclass_the_config_class():
    class Unrelated:
        pass

    with pytest.raises(TypeError, match=r"^Net\.value_class\(\): expected a subclass of Net,"
                       r" got .*\.Unrelated$"):
        Net.value_class()(Unrelated)


def test_value_class_must_subclass_the_parent_value_class():
    class BigNet(Net):
        depth: Param[int] = 1

    class NotFromNetValue(BigNet):
        pass

    with pytest.raises(TypeError, match=r"BigNet\.value_class\(\): .*NotFromNetValue must"
                       r" also derive from NetValue, the value class of Net$"):
        BigNet.value_class()(NotFromNetValue)


def test_subclass_value_class_derives_from_the_parent_value_class():
    class BigNet(Net):
        depth: Param[int] = 2

    # Without a registered value class, instances still get the parent's behaviour
    generated = BigNet.XPMValue
    assert issubclass(generated, NetValue) and issubclass(generated, BigNet)
    assert BigNet.C(size=1).instance().weights == [0.0]

    # ... and a value class can still be registered after that
    @BigNet.value_class()
    class BigNetValue(BigNet, NetValue):
        pass

    big = BigNet.C(size=2).instance()
    assert type(big) is BigNetValue and big.depth == 2 and big.weights == [0.0, 0.0]


def test_a_second_value_class_is_refused():
    class Small(Config):
        x: Param[int]

    @Small.value_class()
    class SmallValue(Small):
        pass

    class Other(Small):
        pass

    with pytest.raises(TypeError, match=r"Small already has a value class \(.*SmallValue\),"
                       r" cannot register .*Other$"):
        Small.value_class()(Other)


# -- __post_init__ and __validate__ ----------------------------------------------


class Doubler(Config):
    x: Param[int]

    def __post_init__(self):
        self.double = self.x * 2


def test_post_init_runs_on_instances_with_values_set():
    assert Doubler.C(x=4).instance().double == 8


def test_post_init_does_not_run_on_configurations():
    assert not hasattr(Doubler.C(x=4), "double")


# -- copy ------------------------------------------------------------------------


def test_copy_is_unsealed_with_the_same_values():
    cfg = Learner.C(model=Model.C(hidden=2), lr=tag(0.5)).seal()
    new = cfg.copy()
    assert not new.__xpm__.sealed
    assert new.__identifier__() == cfg.__identifier__()
    new.lr = 0.2
    assert cfg.lr == 0.5 and new.lr == 0.2
    assert new.tags() == {"lr": 0.5}


def test_copy_shares_nested_configurations():
    inner = Model.C(hidden=2)
    new = Learner.C(model=inner).copy()
    assert new.model is inner


def test_copy_does_not_share_lists_with_the_original():
    class Listed(Config):
        values: Param[list[int]]

    cfg = Listed.C(values=[1]).seal()
    before = cfg.__identifier__()
    new = cfg.copy()
    new.values.append(2)
    assert cfg.values == [1]
    assert cfg.__identifier__() == before
    assert new.__identifier__() == Listed.C(values=[1, 2]).__identifier__()


def test_copyconfig_changes_some_values():
    cfg = Learner.C(model=Model.C(hidden=2), lr=0.5).seal()
    new = copyconfig(cfg, lr=0.3)
    assert new.lr == 0.3 and cfg.lr == 0.5
    assert new.__identifier__() == Learner.C(model=Model.C(hidden=2), lr=0.3).__identifier__()


def test_copyconfig_unknown_parameter():
    with pytest.raises(ValueError, match=r"Learner\.rate: Learner has no parameter 'rate'"):
        copyconfig(Learner.C(model=Model.C(hidden=1)), rate=0.3)


# -- dependencies ------------------------------------------------------------------


def test_add_dependencies_accumulates():
    cfg = Model.C(hidden=1)
    assert cfg.add_dependencies("a") is cfg
    cfg.add_dependencies("b", "c")
    assert cfg.__xpm__.dependencies == ["a", "b", "c"]


def test_copy_dependencies_from_another_configuration():
    source = Model.C(hidden=1).add_dependencies("token")
    target = Model.C(hidden=2)
    assert target.copy_dependencies(source) is target
    assert target.__xpm__.dependencies == ["token"]
    # Nothing to copy: nothing changes
    assert Model.C(hidden=3).copy_dependencies(Model.C(hidden=4)).__xpm__.dependencies is None


def test_copy_dependencies_copies_the_producing_task(generate_xp):
    from core.fixtures_configs import Train as Producer, Trained

    trained = Producer.C(size=3).submit()
    copied = Trained.C(model=trained.model, path=trained.path)
    copied.copy_dependencies(trained)
    assert copied.__xpm__.task is trained.__xpm__.task
    # The copy is now a task output too: same identifier as the original output
    assert copied.__identifier__() == trained.__identifier__()


# -- tags() method -------------------------------------------------------------------


def test_tags_method_collects_nested_tags():
    cfg = Learner.C(model=Model.C(hidden=tag(2)), lr=tag(0.5))
    assert cfg.tags() == {"hidden": 2, "lr": 0.5}


# -- repr and equality ---------------------------------------------------------------


def test_repr_shows_the_values():
    assert repr(Learner.C(model=Model.C(hidden=2), lr=0.5)) == (
        "Learner.C(lr=0.5, model=Model.C(hidden=2))"
    )


def test_equality_compares_values():
    assert Model.C(hidden=1) == Model.C(hidden=1)
    assert Model.C(hidden=1) != Model.C(hidden=2)


def test_unsealed_configurations_are_not_hashable():
    with pytest.raises(TypeError, match=r"unhashable unsealed configuration Model: seal it"):
        hash(Model.C(hidden=1))
    assert hash(Model.C(hidden=1).seal()) == hash(Model.C(hidden=1).seal())
