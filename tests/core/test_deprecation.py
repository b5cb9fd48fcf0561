"""@deprecate: deprecated classes hash as the configuration they stand for; deprecated
parameters set new ones."""

import pytest

from experimaestro import Config, Param, Task, deprecate


def ident(cfg):
    return cfg.__identifier__().hex()


class Holder(Config):
    held: Param[Config]


# -- 1. simple form: the deprecated class derives from the new one ------------------


class NewModel(Config):
    __xpmid__ = "deprecation.new_model"
    size: Param[int]


@deprecate
class OldModel(NewModel):
    __xpmid__ = "deprecation.old_model"


def test_simple_form_hashes_as_the_parent():
    old = OldModel.C(size=3)
    assert isinstance(old, OldModel) and old.size == 3
    assert ident(old) == ident(NewModel.C(size=3))
    assert ident(old) != ident(NewModel.C(size=4))


def test_simple_form_nested():
    assert ident(Holder.C(held=OldModel.C(size=3))) == ident(Holder.C(held=NewModel.C(size=3)))


def test_simple_form_keeps_the_class_usable():
    assert OldModel.C(size=1).instance().size == 1


# -- 2. conversion ----------------------------------------------------------------------


class NewList(Config):
    __xpmid__ = "deprecation.new_list"
    values: Param[list[int]]


@deprecate(NewList)
class OldValue(Config):
    __xpmid__ = "deprecation.old_value"
    value: Param[int]

    def __convert__(self):
        return NewList.C(values=[self.value])


def test_conversion_form_hashes_as_the_converted_config():
    old = OldValue.C(value=3)
    assert type(old) is OldValue.XPMConfig  # still an OldValue configuration
    assert ident(old) == ident(NewList.C(values=[3]))
    assert ident(Holder.C(held=old)) == ident(Holder.C(held=NewList.C(values=[3])))


def test_conversion_form_with_a_target_that_has_a_parent():
    class Base(Config):
        __xpmid__ = "deprecation.base"
        x: Param[int]

    class Target(Base):
        __xpmid__ = "deprecation.target"
        y: Param[int] = 0

    @deprecate(Target)
    class Legacy(Config):
        __xpmid__ = "deprecation.legacy"
        x: Param[int]

        def __convert__(self):
            return Target.C(x=self.x, y=1)

    assert ident(Legacy.C(x=2)) == ident(Target.C(x=2, y=1))
    # The target itself is not deprecated
    assert ident(Target.C(x=2, y=1)) != ident(Base.C(x=2))
    assert "__xpm_deprecated__" not in Target.__dict__


# -- 3. immediate replacement -------------------------------------------------------------


@deprecate(NewList, replace=True)
class ReplacedValue(Config):
    __xpmid__ = "deprecation.replaced_value"
    value: Param[int]

    def __convert__(self):
        return NewList.C(values=[self.value])


def test_replace_returns_the_converted_config():
    cfg = ReplacedValue.C(value=4)
    assert type(cfg) is NewList.XPMConfig
    assert cfg.values == [4]
    assert ident(cfg) == ident(NewList.C(values=[4]))


# -- 4. deprecated parameter ------------------------------------------------------------------


class Modern(Config):
    new_param: Param[list[int]]

    @deprecate
    def old_param(self, value: int):
        self.new_param = [value]


def test_deprecated_parameter_sets_the_new_one():
    with pytest.warns(DeprecationWarning, match=r"Modern\.old_param is deprecated"):
        cfg = Modern.C(old_param=3)
    assert cfg.new_param == [3]
    assert ident(cfg) == ident(Modern.C(new_param=[3]))


def test_deprecated_parameter_as_an_attribute():
    cfg = Modern.C()
    with pytest.warns(DeprecationWarning, match=r"Modern\.old_param is deprecated"):
        cfg.old_param = 5
    assert cfg.new_param == [5]


def test_deprecated_parameter_is_not_a_field():
    assert set(Modern.__xpmtype__.arguments) == {"new_param"}


# -- tasks and errors ---------------------------------------------------------------------


class NewTask(Task):
    __xpmid__ = "deprecation.new_task"
    n: Param[int]

    def execute(self):
        pass


@deprecate
class OldTask(NewTask):
    __xpmid__ = "deprecation.old_task"


def test_deprecated_task_gets_the_job_folder_of_the_new_task(generate_xp):
    old = OldTask.C(n=1)
    old.submit()
    new = NewTask.C(n=1)
    assert ident(old) == ident(new)
    assert old.jobpath.name == ident(new)


def test_deprecate_refuses_other_values():
    with pytest.raises(TypeError, match=r"deprecate: expected a configuration class or a method,"
                       r" got 3"):
        deprecate(3)
