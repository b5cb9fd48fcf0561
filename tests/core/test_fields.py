"""Field declarations: Param, Meta, Option, Constant, DataPath, field(), param_group, help."""

import warnings
from pathlib import Path
from typing import Optional

import pytest

from experimaestro import (
    Config,
    Constant,
    DataPath,
    Meta,
    Option,
    Param,
    PathGenerator,
    field,
    param_group,
)
from experimaestro.core.arguments import CONSTANT, META, PARAM, ParameterGroup


def ident(cfg) -> str:
    return cfg.__identifier__().hex()


class Kinds(Config):
    p: Param[int]
    m: Meta[int] = 0
    o: Option[int] = 0
    c: Constant[int] = 1
    d: DataPath
    plain: int = 5  # no marker: not a field


def test_declared_kinds():
    args = Kinds.__xpmtype__.arguments
    assert args["p"].kind is PARAM and not args["p"].ignored
    assert args["m"].kind is META and args["m"].is_meta and args["m"].ignored
    assert args["o"].kind is META  # Option is the deprecated alias of Meta
    assert args["c"].kind is CONSTANT and args["c"].constant
    assert args["d"].kind is PARAM and args["d"].is_data and args["d"].type.is_path
    assert "plain" not in args
    assert Option is Meta


def test_meta_and_option_do_not_change_the_identifier():
    a = Kinds.C(p=1, m=1, o=1, d=Path("/a"))
    b = Kinds.C(p=1, m=2, o=2, d=Path("/b"))
    assert ident(a) == ident(b)
    assert ident(a) != ident(Kinds.C(p=2, d=Path("/a")))


def test_constant_is_read_only_and_always_hashed():
    class V1(Config):
        __xpmid__ = "fields.versioned"
        version: Constant[int] = 1

    class V2(Config):
        __xpmid__ = "fields.versioned"
        version: Constant[int] = 2

    class NoField(Config):
        __xpmid__ = "fields.versioned"

    assert V1.C().version == 1
    assert ident(V1.C()) != ident(V2.C())
    assert ident(V1.C()) != ident(NoField.C())
    with pytest.raises(AttributeError, match=r"V1\.version: a Constant cannot be set \(its value"
                       r" is 1\)"):
        V1.C(version=2)
    cfg = V1.C()
    with pytest.raises(AttributeError, match=r"V1\.version: a Constant cannot be set"):
        cfg.version = 3
    # Giving the constant's own value is accepted
    assert V1.C(version=1).version == 1


def test_constant_needs_a_value():
    class NoValue(Config):
        c: Constant[int]

    with pytest.raises(TypeError, match=r"NoValue\.c: a Constant needs a value, e.g."
                       r" x: Constant\[int\] = 1"):
        NoValue.C()


def test_datapath_is_a_path_parameter():
    cfg = Kinds.C(p=1, d="/data/file")
    assert cfg.d == Path("/data/file")


# -- defaults and field() --------------------------------------------------------


class Defaults(Config):
    bare: Param[int] = 3
    always: Param[int] = field(default=3)
    ignored: Param[int] = field(default=3, ignore_default=True)
    items: Param[list[int]] = field(default_factory=list)
    items_ignored: Param[list[int]] = field(default_factory=lambda: [1], ignore_default=True)
    legacy: Param[int] = field(ignore_default=4)


def test_default_values():
    cfg = Defaults.C()
    assert (cfg.bare, cfg.always, cfg.ignored, cfg.items, cfg.items_ignored, cfg.legacy) == (
        3, 3, 3, [], [1], 4
    )


def test_default_factory_is_called_for_each_configuration():
    a, b = Defaults.C(), Defaults.C()
    a.items.append(1)
    assert b.items == []


def test_bare_default_and_ignore_default_are_left_out_when_equal():
    class Empty(Config):
        __xpmid__ = "fields.defaults"

    class OneIgnored(Config):
        __xpmid__ = "fields.defaults"
        x: Param[int] = field(default=3, ignore_default=True)

    class OneBare(Config):
        __xpmid__ = "fields.defaults"
        x: Param[int] = 3

    class OneLegacy(Config):
        __xpmid__ = "fields.defaults"
        x: Param[int] = field(ignore_default=3)

    for cls in (OneIgnored, OneBare, OneLegacy):
        assert ident(cls.C()) == ident(Empty.C())
        assert ident(cls.C(x=3)) == ident(Empty.C())
        assert ident(cls.C(x=4)) != ident(Empty.C())


def test_field_default_is_always_hashed():
    class Empty(Config):
        __xpmid__ = "fields.always"

    class One(Config):
        __xpmid__ = "fields.always"
        x: Param[int] = field(default=3)

    class OneFactory(Config):
        __xpmid__ = "fields.always"
        x: Param[list[int]] = field(default_factory=list)

    assert ident(One.C()) != ident(Empty.C())
    assert ident(One.C()) == ident(One.C(x=3))
    assert ident(OneFactory.C()) != ident(Empty.C())
    assert ident(OneFactory.C()) == ident(OneFactory.C(x=[]))


def test_field_argument_errors():
    with pytest.raises(TypeError, match=r"field\(\): give either default= or default_factory=,"
                       " not both"):
        field(default=1, default_factory=list)
    with pytest.raises(TypeError, match=r"field\(\): a non-boolean ignore_default is the legacy"
                       " way of giving a default; do not combine it with default="):
        field(default=1, ignore_default=2)
    with pytest.raises(TypeError, match=r"field\(groups=\.\.\.\): expected groups made by"
                       r" param_group\(\), got 'training'"):
        field(groups=["training"])


def test_default_none_is_no_default():
    class NoneDefault(Config):
        x: Param[int] = field(default=None)
        y: Param[Optional[int]] = None

    args = NoneDefault.__xpmtype__.arguments
    # As in experimaestro 2.x: field(default=None) is not required, and hashes as unset
    assert not args["x"].required and NoneDefault.C().x is None
    assert NoneDefault.C().__identifier__() == NoneDefault.C(y=None).__identifier__()
    assert not args["y"].required and NoneDefault.C().y is None


def test_optional_without_default_is_not_required():
    class Opt(Config):
        x: Param[Optional[int]]

    assert Opt.C().x is None
    Opt.C().seal()


def test_config_default_is_copied_for_each_configuration():
    class Inner(Config):
        x: Param[int] = 1

    class Outer(Config):
        inner: Param[Inner] = Inner.C(x=2)

    a, b = Outer.C(), Outer.C()
    assert a.inner is not b.inner and a.inner.x == 2
    a.inner.x = 3
    assert b.inner.x == 2


def test_redeclaring_a_field_with_another_type_warns_unless_overrides():
    class Base(Config):
        x: Param[int]

    class Retyped(Base):
        x: Param[str]

    with pytest.warns(UserWarning, match=r"Retyped\.x redeclares the field of .*Base with"
                      r" another kind or type \(Param\[int\] -> Param\[str\]\); add"
                      r" field\(overrides=True\)"):
        Retyped.__xpmtype__

    class Overriding(Base):
        x: Param[str] = field(overrides=True)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert str(Overriding.__xpmtype__.arguments["x"].type) == "str"


def test_subclass_can_change_a_default():
    class Base(Config):
        x: Param[int] = 1

    class Sub(Base):
        x: Param[int] = 2

    class SubAttr(Base):
        x = 3

    assert Sub.C().x == 2 and SubAttr.C().x == 3 and Base.C().x == 1


def test_fields_are_inherited():
    class Base(Config):
        a: Param[int]

    class Sub(Base):
        b: Param[int]

    assert set(Sub.__xpmtype__.arguments) == {"a", "b"}
    assert Sub.C(a=1, b=2).a == 1


def test_unsupported_annotation():
    class Bytes(Config):
        data: Param[bytes]

    with pytest.raises(TypeError, match=r"Bytes\.data: unsupported type <class 'bytes'>; use int,"
                       " float, str, bool, Path, an Enum, a configuration class"):
        Bytes.C()


def test_forward_reference_annotation():
    class Node(Config):
        child: Param[Optional["Node"]]

    class Tree(Config):
        children: Param[list["Tree"]] = field(default_factory=list)
        by_name: Param[dict[str, "Tree"]] = field(default_factory=dict)

    cfg = Node.C(child=Node.C())
    assert cfg.child.child is None
    tree = Tree.C(children=[Tree.C()], by_name={"a": Tree.C()})
    assert Tree.__xpmtype__.arguments["children"].type.inner.cls is Tree
    with pytest.raises(ValueError, match=r"Tree\.children\[0\]: expected a configuration .*Tree,"
                       " got int 1"):
        tree.children = [1]


# -- param_group -----------------------------------------------------------------


def test_param_group_and_field_groups():
    training = param_group("training")
    assert isinstance(training, ParameterGroup) and training.name == "training"
    assert training == param_group("training") and hash(training) == hash(param_group("training"))

    class Grouped(Config):
        lr: Param[float] = field(default=0.1, groups=[training])
        size: Param[int] = 1

    args = Grouped.__xpmtype__.arguments
    assert args["lr"].groups == {training}
    assert args["size"].groups == frozenset()


# -- path generators --------------------------------------------------------------


def test_path_generator_field_is_optional_and_empty_before_submission():
    from experimaestro import Task

    class Out(Task):
        out: Meta[Path] = field(default_factory=PathGenerator("out.txt"))

        def execute(self):
            pass

    arg = Out.__xpmtype__.arguments["out"]
    assert not arg.required and arg.generator is not None
    assert Out.C().out is None


# -- help ----------------------------------------------------------------------------


class Documented(Config):
    """A documented configuration

    :param x: The number of layers
        of the model
    :param y: Overwritten by the attribute docstring? No: the class docstring comes first
    """

    x: Param[int]
    y: Param[int] = 1
    z: Param[int] = 2
    """The z value, from the attribute docstring"""
    w: Param[int] = field(default=0, help="explicit help")
    undocumented: Param[int] = 0


def test_help_from_the_class_docstring():
    assert Documented.__xpmtype__.arguments["x"].help == "The number of layers of the model"


def test_help_from_an_attribute_docstring():
    args = Documented.__xpmtype__.arguments
    assert args["z"].help == "The z value, from the attribute docstring"
    assert args["y"].help.startswith("Overwritten by the attribute docstring?")


def test_help_from_field_and_absent():
    args = Documented.__xpmtype__.arguments
    assert args["w"].help == "explicit help"
    assert args["undocumented"].help is None


def test_help_of_inherited_fields():
    class Sub(Documented):
        v: Param[int] = 0
        """The v value"""

    args = Sub.__xpmtype__.arguments
    assert args["x"].help == "The number of layers of the model"
    assert args["v"].help == "The v value"


def test_type_description_and_title():
    otype = Documented.__xpmtype__
    assert otype.title == "A documented configuration"
    assert ":param x:" in otype.description
