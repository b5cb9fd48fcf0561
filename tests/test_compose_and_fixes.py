"""Composition with @, deprecated parameters set as attributes, copy_dependencies."""

import pytest

from experimaestro import Config, Param, ValidationError, deprecate


class Inner(Config):
    x: Param[int]


class Middle(Config):
    inner: Param[Inner]


class Outer(Config):
    middle: Param[Middle]
    n: Param[int] = 1


class Two(Config):
    a: Param[Inner]
    b: Param[Inner]


def test_matmul_sets_the_unique_matching_parameter():
    outer, middle, inner = Outer.C(), Middle.C(), Inner.C(x=1)
    result = outer @ middle @ inner
    assert result is inner
    assert outer.middle is middle and middle.inner is inner
    assert outer.__identifier__() == Outer.C(middle=Middle.C(inner=Inner.C(x=1))).__identifier__()


def test_matmul_ambiguous_or_missing_parameter():
    with pytest.raises(ValueError, match=r"Two @ Inner: expected exactly one parameter of Two"
                       r" accepting a Inner, found a, b"):
        Two.C() @ Inner.C(x=1)
    with pytest.raises(ValueError, match="found none"):
        Outer.C() @ Inner.C(x=1)


class NewStyle(Config):
    values: Param[list[int]]

    @deprecate
    def value(self, value: int):
        self.values = [value]


def test_deprecated_parameter_set_as_attribute():
    cfg = NewStyle.C()
    with pytest.warns(DeprecationWarning):
        cfg.value = 3
    assert cfg.values == [3]


def test_instance_of_incomplete_config_is_refused():
    with pytest.raises(ValidationError, match=r"Inner.x: required parameter not set"):
        Inner.C().instance()
