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


class Multi(Config):
    inner: Param[Inner]
    outer: Param[Outer]


def test_matmul_sets_the_unique_matching_parameter_and_returns_the_outer_one():
    """As in 2.x (measured with 2.7.0): ``outer @ inner`` is `outer`; chains set several
    parameters of the first configuration, parentheses nest."""
    outer, middle, inner = Outer.C(), Middle.C(), Inner.C(x=1)
    result = outer @ (middle @ inner)
    assert result is outer
    assert outer.middle is middle and middle.inner is inner
    assert outer.__identifier__() == Outer.C(middle=Middle.C(inner=Inner.C(x=1))).__identifier__()
    multi = Multi.C() @ Inner.C(x=2) @ Outer.C(middle=Middle.C(inner=Inner.C(x=3)))
    assert multi.inner.x == 2 and multi.outer.middle.inner.x == 3
    with pytest.raises(ValueError, match=r"Outer @ Inner: expected exactly one parameter"):
        Outer.C() @ Middle.C() @ Inner.C(x=1)  # ((Outer @ Middle) @ Inner): no Inner in Outer


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


def test_forwardoption_on_the_class_as_in_2x():
    """``@forwardoption.NAME(Cls)`` (2.x's documented form) and the instance form."""
    import click
    from click.testing import CliRunner

    from experimaestro.click import forwardoption

    class Learner(Config):
        epochs: Param[int] = 5
        model: Param[Middle]

    @click.command()
    @forwardoption.epochs(Learner)
    @forwardoption().model.inner.x(Learner, "size")
    def main(epochs, size):
        click.echo(f"{epochs} {size}")

    assert CliRunner().invoke(main, ["--size", "3"]).output == "5 3\n"
    assert CliRunner().invoke(main, ["--epochs", "7", "--size", "1"]).output == "7 1\n"
