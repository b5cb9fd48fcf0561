"""Validation of values: wrong types, missing parameters, bad defaults, unknown names.

Every error names the class and field path, what was expected and what was given.
"""

import enum
from pathlib import Path
from typing import Optional

import pytest

from experimaestro import (
    Config,
    Constant,
    IdentifierError,
    LightweightTask,
    Meta,
    Param,
    Task,
    ValidationError,
    field,
)


class Layer(Config):
    size: Param[int]


class Model(Config):
    layers: Param[list[Layer]]
    name: Param[str] = "model"


class Learner(Config):
    model: Param[Model]
    lr: Param[float]
    weights: Param[list[float]] = field(default_factory=list)


class Mode(enum.Enum):
    TRAIN = 1
    TEST = 2


class Typed(Config):
    i: Param[int] = 0
    f: Param[float] = 0.0
    b: Param[bool] = False
    s: Param[str] = ""
    p: Param[Path] = Path("/")
    mode: Param[Mode] = Mode.TRAIN
    by_name: Param[dict[str, int]] = field(default_factory=dict)
    ints: Param[set[int]] = field(default_factory=set)
    maybe: Param[Optional[int]]


# -- wrong types at assignment -----------------------------------------------------


def test_int_field_given_a_non_numeric_string():
    with pytest.raises(ValidationError, match=r"^Layer\.size: expected int, got str 'abc'$"):
        Layer.C(size="abc")


def test_int_field_given_a_fractional_float():
    with pytest.raises(ValidationError, match=r"^Layer\.size: expected int, got float 1\.5"
                       r" \(the float has a fractional part\)$"):
        Layer.C(size=1.5)


def test_str_field_given_an_int():
    with pytest.raises(ValidationError, match=r"^Model\.name: expected str, got int 1 \(convert"
                       r" it with str\(\) if this is intended\)$"):
        Model.C(name=1)


def test_list_field_given_a_tuple():
    with pytest.raises(ValidationError, match=r"^Learner\.weights: expected list\[float\], got"
                       r" tuple \(1\.0, 2\.0\) \(use a list, not a tuple\)$"):
        Learner.C(weights=(1.0, 2.0))


def test_list_element_of_the_wrong_type():
    with pytest.raises(ValidationError, match=r"^Learner\.weights\[1\]: expected float, got str"
                       r" 'x'$"):
        Learner.C(weights=[1.0, "x"])


def test_config_field_given_another_config_class():
    with pytest.raises(ValidationError, match=r"^Learner\.model: expected a configuration Model,"
                       r" got configuration Layer Layer\.C\(size=1\)$"):
        Learner.C(model=Layer.C(size=1))


def test_config_list_given_another_config_class():
    with pytest.raises(ValidationError, match=r"^Model\.layers\[1\]: expected a configuration"
                       r" Layer, got configuration Model "):
        Model.C(layers=[Layer.C(size=1), Model.C(layers=[])])


def test_config_field_given_an_instance():
    instance = Model.C(layers=[]).instance()
    with pytest.raises(ValidationError, match=r"^Learner\.model: expected a configuration Model,"
                       r" got Model .*\(this is an instance; pass a configuration made with"
                       r" Model\.C\(\.\.\.\)\)$"):
        Learner.C(model=instance)


def test_config_field_given_the_class():
    with pytest.raises(ValidationError, match=r"^Learner\.model: expected a configuration Model,"
                       r" got ConfigMeta .*\(this is the class; build a configuration with"
                       r" Model\.C\(\.\.\.\)\)$"):
        Learner.C(model=Model)


def test_none_given_to_a_required_parameter():
    with pytest.raises(ValidationError, match=r"^Layer\.size: None given to a required parameter"
                       r" of type int; declare it Optional\[\.\.\.\] or with a default"):
        Layer.C(size=None)


def test_wrong_type_when_setting_an_attribute():
    layer = Layer.C(size=1)
    with pytest.raises(ValidationError, match=r"^Layer\.size: expected int, got list \[1\]$"):
        layer.size = [1]
    assert layer.size == 1


def test_other_type_errors():
    with pytest.raises(ValidationError, match=r"^Typed\.b: expected bool, got str 'maybe'"
                       r" \(accepted strings: true/false"):
        Typed.C(b="maybe")
    with pytest.raises(ValidationError, match=r"^Typed\.mode: expected a member of Mode \(TRAIN,"
                       r" TEST\), got str 'VALID'$"):
        Typed.C(mode="VALID")
    with pytest.raises(ValidationError, match=r"^Typed\.p: expected a path \(str or"
                       r" pathlib\.Path\), got int 3$"):
        Typed.C(p=3)
    with pytest.raises(ValidationError, match=r"^Typed\.by_name\['a'\]: expected int, got str"
                       r" 'x'$"):
        Typed.C(by_name={"a": "x"})
    with pytest.raises(ValidationError, match=r"^Typed\.by_name\[key 1\]: expected str, got int"
                       r" 1 "):
        Typed.C(by_name={1: 2})
    with pytest.raises(ValidationError, match=r"^Typed\.ints: expected set\[int\], got list"
                       r" \[1\] \(use a set"):
        Typed.C(ints=[1])
    with pytest.raises(ValidationError, match=r"^Typed\.maybe: expected int, got str 'x'$"):
        Typed.C(maybe="x")


def test_coercions():
    cfg = Typed.C(i="42", f=1, b="yes", p="/tmp/a", mode="TEST", ints={1, 2})
    assert (cfg.i, cfg.f, cfg.b, cfg.p, cfg.mode) == (42, 1.0, True, Path("/tmp/a"), Mode.TEST)
    assert type(cfg.f) is float
    assert Typed.C(i=True).i == 1 and type(Typed.C(i=True).i) is int
    assert Typed.C(f="1.5").f == 1.5
    assert Typed.C(b=0).b is False
    assert Learner.C(weights=[1, 2]).weights == [1.0, 2.0]
    assert Typed.C(maybe=None).maybe is None


# -- missing parameters, at seal -----------------------------------------------------


def test_missing_parameters_are_listed_all_at_once_at_seal():
    learner = Learner.C(model=Model.C())
    with pytest.raises(ValidationError, match=r"^missing required parameter\(s\): Learner\.lr,"
                       r" Learner\.model\.layers$"):
        learner.seal()
    assert not learner.__xpm__.sealed


class Holder(Config):
    by_name: Param[dict[str, Layer]]


def test_missing_parameters_inside_lists_and_dicts():
    learner = Learner.C(model=Model.C(layers=[Layer.C(size=1), Layer.C(size=2), Layer.C()]))
    with pytest.raises(ValidationError, match=r"^missing required parameter\(s\): Learner\.lr,"
                       r" Learner\.model\.layers\[2\]\.size$"):
        learner.seal()
    with pytest.raises(ValidationError, match=r"^missing required parameter\(s\):"
                       r" Holder\.by_name\['b'\]\.size$"):
        Holder.C(by_name={"a": Layer.C(size=1), "b": Layer.C()}).seal()


class Warmup(LightweightTask):
    layer: Param[Layer]

    def execute(self):
        pass


class Train(Task):
    model: Param[Model]

    def execute(self):
        pass


def test_missing_parameters_inside_init_tasks_name_the_init_task():
    task = Train.C(model=Model.C(layers=[]))
    task.__xpm__.init_tasks = [Warmup.C(layer=Layer.C())]  # (what submit(init_tasks=) sets)
    with pytest.raises(ValidationError, match=r"^missing required parameter\(s\):"
                       r" Train<init task Warmup>\.layer\.size$"):
        task.seal()


def test_value_changed_in_place_is_checked_at_seal():
    learner = Learner.C(model=Model.C(layers=[Layer.C(size=1)]), lr=0.1)
    learner.model.layers.append("not a layer")
    with pytest.raises(ValidationError, match=r"^Learner\.model\.layers\[1\]: expected a"
                       r" configuration Layer, got str 'not a layer'$"):
        learner.seal()


def test_missing_parameter_in_identifier():
    with pytest.raises(IdentifierError, match=r"^Learner\.lr: required parameter not set \(set"
                       r" it with Learner\.C\(lr=\.\.\.\)\)$"):
        Learner.C(model=Model.C(layers=[])).__identifier__()


def test_missing_parameter_in_instance():
    with pytest.raises(ValidationError, match=r"^Layer\.size: required parameter not set"):
        Layer.C().instance()


# -- constants -----------------------------------------------------------------------


def test_assignment_to_a_constant():
    class Versioned(Config):
        version: Constant[int] = 2

    with pytest.raises(AttributeError, match=r"\.Versioned\.version: a Constant cannot be set"
                       r" \(its value is 2\)$"):
        Versioned.C(version=3)
    cfg = Versioned.C()
    with pytest.raises(AttributeError, match=r"Versioned\.version: a Constant cannot be set"):
        cfg.version = 3
    assert cfg.version == 2


# -- bad defaults ----------------------------------------------------------------------


def test_default_not_matching_its_type_fails_at_first_use():
    class BadDefault(Config):
        x: Param[int] = "abc"

    # Declaring the class is fine (analysis is lazy) ...
    message = (r"BadDefault\.x: expected int, got str 'abc' in the default value of the"
               r" declaration$")
    with pytest.raises(ValidationError, match=message):
        BadDefault.C()
    # ... and every later use fails the same way
    with pytest.raises(ValidationError, match=message):
        BadDefault.C(x=1)


def test_list_default_not_matching_its_type():
    class BadList(Config):
        xs: Param[list[int]] = field(default=[1, "b"])

    with pytest.raises(ValidationError, match=r"BadList\.xs\[1\]: expected int, got str 'b' in"
                       r" the default value of the declaration$"):
        BadList.C()


# -- identifiers of values that cannot be hashed ---------------------------------------------


class Paths(Config):
    paths: Param[list[Path]]


class PathDict(Config):
    paths: Param[dict[str, Path]]


class Outer(Config):
    inner: Param[PathDict]


class Pair(Config):
    pair: Param[tuple[int, int]]


def test_path_inside_a_list_cannot_be_hashed():
    cfg = Paths.C(paths=["/a", "/b"])
    with pytest.raises(IdentifierError, match=r"^Paths\.paths\[0\]: a path \(/a\) inside a list,"
                       r" dict or set cannot be part of an identifier; use a Param\[Path\]"
                       r" field"):
        cfg.__identifier__()


def test_path_inside_a_dict_cannot_be_hashed():
    cfg = Outer.C(inner=PathDict.C(paths={"a": "/a"}))
    with pytest.raises(IdentifierError, match=r"^Outer\.inner\.paths\['a'\]: a path \(/a\) inside"
                       r" a list, dict or set cannot be part of an identifier"):
        cfg.__identifier__()


def test_path_as_a_meta_container_is_fine():
    class MetaPaths(Config):
        paths: Meta[list[Path]]

    MetaPaths.C(paths=["/a"]).__identifier__()
    assert MetaPaths.C(paths=["/a"]).__identifier__() == MetaPaths.C().__identifier__()


def test_tuple_and_int_overflow_cannot_be_hashed():
    with pytest.raises(IdentifierError, match=r"^Pair\.pair: a tuple cannot be part of an"
                       r" identifier"):
        Pair.C(pair=[1, 2]).__identifier__()
    with pytest.raises(IdentifierError, match=r"^Layer\.size: integer out of the signed 64-bit"
                       r" range"):
        Layer.C(size=2**64).__identifier__()


# -- unknown names ---------------------------------------------------------------------------


def test_unknown_parameter_suggests_the_closest_name():
    with pytest.raises(ValidationError, match=r"^Learner\.modle: Learner has no parameter 'modle'"
                       r" \(did you mean 'model'\?\); its parameters are: lr, model, weights$"):
        Learner.C(modle=Model.C())


def test_unknown_parameter_without_close_name():
    with pytest.raises(ValidationError, match=r"^Layer\.zzz: Layer has no parameter 'zzz'; its"
                       r" parameters are: size$"):
        Layer.C(zzz=1)


def test_unknown_parameter_set_as_an_attribute():
    layer = Layer.C(size=1)
    with pytest.raises(ValidationError, match=r"^Layer\.sise: Layer has no parameter 'sise'"
                       r" \(did you mean 'size'\?\)"):
        layer.sise = 2


# -- tasks as parameters ---------------------------------------------------------------------


class Prepare(Task):
    n: Param[int]

    def execute(self):
        pass


class UsesTask(Config):
    prepared: Param[Prepare]


def test_unsubmitted_task_given_as_a_parameter():
    with pytest.raises(ValidationError, match=r"^UsesTask\.prepared: expected a configuration"
                       r" Prepare, got configuration Prepare Prepare\.C\(n=1\) \(this task was not"
                       r" submitted: pass the value returned by \.submit\(\)\)$"):
        UsesTask.C(prepared=Prepare.C(n=1))


def test_submitted_task_given_as_a_parameter(generate_xp):
    prepared = Prepare.C(n=1).submit()
    cfg = UsesTask.C(prepared=prepared)
    assert cfg.prepared is prepared


# -- __validate__ ------------------------------------------------------------------------------


class Range(Config):
    low: Param[int]
    high: Param[int]

    def __validate__(self):
        if self.low > self.high:
            raise ValueError(f"low ({self.low}) must not exceed high ({self.high})")


class Experiment(Config):
    range: Param[Range]


def test_validate_is_called_at_seal_not_before():
    cfg = Range.C(low=3, high=1)  # no error yet
    with pytest.raises(ValidationError, match=r"^Range\.__validate__ failed: low \(3\) must not"
                       r" exceed high \(1\)$"):
        cfg.seal()
    assert not cfg.__xpm__.sealed
    Range.C(low=1, high=3).seal()


def test_validate_error_of_a_nested_config_names_its_path():
    with pytest.raises(ValidationError, match=r"^Experiment\.range: Range\.__validate__ failed:"
                       r" low \(3\) must not exceed high \(1\)$") as info:
        Experiment.C(range=Range.C(low=3, high=1)).seal()
    assert isinstance(info.value.__cause__, ValueError)


def test_validate_wraps_any_exception():
    class Broken(Config):
        def __validate__(self):
            raise RuntimeError("boom")

    with pytest.raises(ValidationError, match=r"Broken\.__validate__ failed: boom$") as info:
        Broken.C().seal()
    assert isinstance(info.value.__cause__, RuntimeError)


def test_validate_runs_once():
    calls = []

    class Counted(Config):
        def __validate__(self):
            calls.append(1)

    cfg = Counted.C()
    cfg.seal()
    cfg.seal()
    cfg.__identifier__()
    assert calls == [1]


class Checked(Task):
    n: Param[int]

    def __validate__(self):
        if self.n <= 0:
            raise ValueError("n must be positive")

    def execute(self):
        pass


def test_validate_runs_at_submit(generate_xp):
    with pytest.raises(ValidationError, match=r"^Checked\.__validate__ failed: n must be"
                       r" positive$"):
        Checked.C(n=0).submit()
