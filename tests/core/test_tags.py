"""Tags: tag(), tags(), tagspath(), stop_tags()."""

import pytest

from experimaestro import Config, Param, Task, TagDict, stop_tags, tag, tags, tagspath


class Model(Config):
    hidden: Param[int]
    name: Param[str] = "m"


class Learner(Config):
    model: Param[Model]
    lr: Param[float]
    epochs: Param[int] = 1


class Pair(Config):
    first: Param[Model]
    second: Param[Model]


class Train(Task):
    learner: Param[Learner]

    def execute(self):
        pass


def test_tag_keeps_the_value():
    cfg = Learner.C(model=Model.C(hidden=2), lr=tag(0.001))
    assert cfg.lr == 0.001


def test_tags_collects_own_and_nested_tags():
    cfg = Learner.C(model=Model.C(hidden=tag(64), name=tag("bert")), lr=tag(0.1), epochs=3)
    found = tags(cfg)
    assert isinstance(found, TagDict)
    assert found == {"hidden": 64, "name": "bert", "lr": 0.1}
    assert cfg.tags() == found


def test_tags_do_not_change_the_identifier():
    tagged = Learner.C(model=Model.C(hidden=tag(64)), lr=tag(0.1))
    plain = Learner.C(model=Model.C(hidden=64), lr=0.1)
    assert tagged.__identifier__() == plain.__identifier__()


def test_tagspath_sorts_and_joins():
    cfg = Learner.C(model=Model.C(hidden=2), lr=tag(0.001), epochs=tag(100))
    assert tagspath(cfg) == "epochs=100_lr=0.001"
    assert tagspath(Model.C(hidden=1)) == ""


def test_closer_tag_wins():
    cfg = Learner.C(model=Model.C(hidden=1, name=tag("inner")), lr=0.1)
    cfg_outer = Pair.C(first=Model.C(hidden=tag(1)), second=Model.C(hidden=2))
    assert tags(cfg) == {"name": "inner"}
    assert tags(cfg_outer) == {"hidden": 1}

    class Named(Config):
        name: Param[str]
        model: Param[Model]

    assert tags(Named.C(name=tag("outer"), model=Model.C(hidden=1, name=tag("inner")))) == {
        "name": "outer"
    }


def test_two_values_at_the_same_depth_warn():
    cfg = Pair.C(first=Model.C(hidden=tag(1)), second=Model.C(hidden=tag(2)))
    with pytest.warns(UserWarning, match=r"tag 'hidden' has two values \(1, 2\); using 2"):
        assert tags(cfg) == {"hidden": 2}


def test_stop_tags_hides_the_tags_below():
    model = Model.C(hidden=tag(64))
    cfg = Learner.C(model=stop_tags(model), lr=tag(0.1))
    assert tags(cfg) == {"lr": 0.1}
    # The config itself still has its tags
    assert tags(model) == {"hidden": 64}
    # Combined with tag: the configuration is a tag of its holder, its own tags stay
    both = Learner.C(model=stop_tags(tag(Model.C(hidden=tag(8)))), lr=0.1)
    assert list(tags(both)) == ["model"] and tags(both)["model"].hidden == 8


def test_tag_accepts_any_value_as_in_2x():
    assert tag(tag(1)).value == 1
    cfg = Learner.C(model=tag(Model.C(hidden=3)), lr=0.1)
    assert tags(cfg)["model"].hidden == 3


def test_tag_method_of_configurations():
    cfg = Learner.C(model=Model.C(hidden=3), lr=0.1).tag("name", "run-1")
    assert tags(cfg) == {"name": "run-1"}


def test_tags_of_something_else():
    with pytest.raises(TypeError, match=r"^tags\(\): expected a configuration, got str 'x'$"):
        tags("x")


def test_tagged_value_is_validated():
    with pytest.raises(ValueError, match=r"^Model\.hidden: expected int, got str 'x'$"):
        Model.C(hidden=tag("x"))


def test_tags_are_on_instances():
    instance = Model.C(hidden=tag(3)).instance()
    assert instance.__tags__ == {"hidden": 3}


def test_tags_of_a_submitted_task(generate_xp):
    task = Train.C(learner=Learner.C(model=Model.C(hidden=1), lr=tag(0.5)))
    task.submit()
    assert tags(task) == {"lr": 0.5}
    assert task.job.tags() == {"lr": 0.5}
