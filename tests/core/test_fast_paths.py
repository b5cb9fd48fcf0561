"""The compiled constructors and hash plans take shortcuts for common values: each shortcut
must give the same result as the general path, and never skip a check."""

import gc

import pytest

from experimaestro import Config, Constant, Param, Task
from experimaestro.core.errors import SealedError, ValidationError
from experimaestro.core.identifier import Identifier


class Inner(Config):
    __xpmid__ = "test.fast.inner"
    values: Param[list[float]]
    label: Param[str]


class SubInner(Inner):
    __xpmid__ = "test.fast.subinner"


class Other(Config):
    __xpmid__ = "test.fast.other"
    x: Param[int] = 1


class Outer(Config):
    __xpmid__ = "test.fast.outer"
    inner: Param[Inner]
    n: Param[int]


class Fixed(Config):
    __xpmid__ = "test.fast.fixed"
    weights: Constant[list[float]] = [1.0, 2.0]


class Producer(Task):
    __xpmid__ = "test.fast.producer"

    def execute(self):
        pass


class Consumer(Config):
    __xpmid__ = "test.fast.consumer"
    source: Param[Producer]


def test_a_list_of_floats_is_stored_as_a_copy():
    values = [0.5, 1.5]
    cfg = Inner.C(values=values, label="a")
    values.append(2.5)
    assert cfg.values == [0.5, 1.5]


def test_a_list_with_other_items_still_goes_through_conversion():
    cfg = Inner.C(values=[1, 2.5, "3"], label="a")
    assert cfg.values == [1.0, 2.5, 3.0]
    assert all(type(v) is float for v in cfg.values)
    with pytest.raises(ValidationError, match=r"Inner\.values\[1\]"):
        Inner.C(values=[1.0, "x"], label="a")


def test_a_constant_list_cannot_be_changed_through_the_constructor():
    with pytest.raises(SealedError, match="Constant"):
        Fixed.C(weights=[3.0])
    assert Fixed.C(weights=[1.0, 2.0]).weights == [1.0, 2.0]


def test_a_config_field_checks_the_class_after_accepting_one():
    # The first value makes the constructor remember the class Inner.XPMConfig
    Outer.C(inner=Inner.C(values=[], label="a"), n=1)
    Outer.C(inner=SubInner.C(values=[], label="b"), n=1)
    with pytest.raises(ValidationError, match=r"Outer\.inner"):
        Outer.C(inner=Other.C(), n=1)


def test_an_unsubmitted_task_is_refused_every_time():
    for _ in range(2):
        with pytest.raises(ValidationError, match="not submitted"):
            Consumer.C(source=Producer.C())


def test_identifiers_follow_in_place_mutations_of_a_list():
    cfg = Inner.C(values=[0.5, 1.5], label="a")
    before = cfg.__identifier__()
    cfg.values.append(1)  # an int: encoded as an int, not as a float
    after = cfg.__identifier__()
    assert after != before
    assert after != Inner.C(values=[0.5, 1.5, 1.0], label="a").__identifier__()
    # Same value, built the general way (ints are encoded with their own tag)
    same = Inner.C(values=[0.5], label="a")
    same.__xpm__.values["values"] = [0.5, 1.5, 1]
    assert same.__identifier__() == after


def test_identifier_is_the_digest():
    ident = Outer.C(inner=Inner.C(values=[1.0], label="a"), n=2).__identifier__()
    assert isinstance(ident, Identifier)
    assert type(ident.all) is bytes and type(ident.main) is bytes
    assert ident.all == ident.main and len(ident.all) == 32
    assert str(ident) == ident.hex() == ident.all.hex()
    assert f"{ident}" == ident.hex()
    assert repr(ident) == f"Identifier({ident.hex()})"
    again = Outer.C(inner=Inner.C(values=[1.0], label="a"), n=2).__identifier__()
    assert again == ident and hash(again) == hash(ident)


def test_configurations_leave_no_reference_cycles():
    # 100,000 configurations in reference cycles make every garbage collection slow
    gc.collect()
    gc.disable()
    try:
        for i in range(200):
            cfg = Outer.C(inner=Inner.C(values=[0.1 * i], label=f"m{i}"), n=i)
            cfg.__identifier__()
            cfg.__xpm__.seal()
        del cfg
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_information_reaches_its_configuration():
    cfg = Inner.C(values=[1.0], label="a")
    assert cfg.__xpm__.pyobject is cfg
