"""Sealing: a sealed configuration is frozen, with its whole graph; identifiers are cached."""

import pytest

from experimaestro import Config, Param, SealedError, Task, field


class Inner(Config):
    x: Param[int]
    values: Param[list[int]] = field(default_factory=list)


class Outer(Config):
    inner: Param[Inner]
    items: Param[list[Inner]] = field(default_factory=list)


class Job(Task):
    outer: Param[Outer]

    def execute(self):
        pass


def test_seal_returns_the_config_and_seals_the_graph():
    items = [Inner.C(x=2)]
    outer = Outer.C(inner=Inner.C(x=1), items=items)
    assert outer.seal() is outer
    assert outer.__xpm__.sealed
    assert outer.inner.__xpm__.sealed and items[0].__xpm__.sealed


def test_setting_a_field_of_a_sealed_config_raises():
    inner = Inner.C(x=1).seal()
    with pytest.raises(SealedError, match=r"^Inner\.x: the configuration is sealed \(it was"
                       r" submitted or sealed\); make a copy with \.copy\(\) to change it$"):
        inner.x = 2
    assert inner.x == 1


def test_nested_configs_are_sealed_with_their_parent():
    outer = Outer.C(inner=Inner.C(x=1)).seal()
    with pytest.raises(SealedError, match=r"^Inner\.x: the configuration is sealed"):
        outer.inner.x = 5


def test_sealed_error_is_an_attribute_error():
    # (so that hasattr/setattr-based code sees a read-only attribute)
    assert issubclass(SealedError, AttributeError)


def test_a_sealed_config_can_be_used_in_another_config():
    inner = Inner.C(x=1).seal()
    outer = Outer.C(inner=inner)
    assert outer.inner is inner
    outer.seal()


def test_identifier_is_cached_after_seal():
    inner = Inner.C(x=1, values=[1]).seal()
    before = inner.__identifier__()
    assert inner.__xpm__._identifier == before.main
    # Changing a container in place does not change a sealed config's identifier
    inner.values.append(2)
    assert inner.__identifier__() == before


def test_identifier_is_not_cached_before_seal():
    inner = Inner.C(x=1, values=[1])
    before = inner.__identifier__()
    assert inner.__xpm__._identifier is None
    inner.values.append(2)
    assert inner.__identifier__() != before


def test_identifier_is_the_same_sealed_or_not():
    assert Inner.C(x=3).seal().__identifier__() == Inner.C(x=3).__identifier__()


def test_submit_seals_the_task_and_its_parameters(generate_xp):
    outer = Outer.C(inner=Inner.C(x=1))
    task = Job.C(outer=outer)
    task.submit()
    assert task.__xpm__.sealed and outer.__xpm__.sealed
    with pytest.raises(SealedError, match=r"^Job\.outer: the configuration is sealed"):
        task.outer = Outer.C(inner=Inner.C(x=2))


def test_copy_of_a_sealed_config_can_be_changed():
    inner = Inner.C(x=1).seal()
    new = inner.copy()
    new.x = 2
    assert (inner.x, new.x) == (1, 2)


def test_default_config_that_is_sealed_is_shared():
    shared = Inner.C(x=7).seal()

    class WithDefault(Config):
        inner: Param[Inner] = field(default=shared)

    assert WithDefault.C().inner is shared
