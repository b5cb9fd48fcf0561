"""Parameter sources (experimaestro.sweeps): lengths, the case at an index, the order of
grids and products, concatenation, zip, the seeded draws of random sources, and what a
wrong definition or index says."""

import itertools
import math
import subprocess
import sys
from pathlib import Path

import pytest

from experimaestro.sweeps import (
    Case,
    Choice,
    Concat,
    Fixed,
    Grid,
    LogUniform,
    Product,
    RandInt,
    Sample,
    SweepError,
    Uniform,
    Zip,
)
from experimaestro.sweeps.distributions import value_generator

ROOT = Path(__file__).resolve().parents[2]


# -- grids and fixed values ---------------------------------------------------------------


def test_a_grid_is_every_combination_the_last_parameter_fastest():
    grid = Grid(lr=[0.1, 0.01], depth=range(1, 4))
    assert len(grid) == 6
    assert list(grid) == [{"lr": lr, "depth": d}
                          for lr, d in itertools.product([0.1, 0.01], [1, 2, 3])]
    assert grid[4] == {"lr": 0.01, "depth": 2}
    assert grid[-1] == {"lr": 0.01, "depth": 3}
    assert grid[1:3] == [{"lr": 0.1, "depth": 2}, {"lr": 0.1, "depth": 3}]
    assert grid.names == ("lr", "depth")


def test_names_that_are_not_identifiers_are_given_as_a_mapping():
    grid = Grid({"model.depth": [1, 2]}, lr=[0.1])
    assert grid.names == ("model.depth", "lr")
    assert grid[1] == {"model.depth": 2, "lr": 0.1}


def test_each_case_is_a_new_dict():
    grid = Grid(a=[1, 2])
    grid[0]["a"] = 99
    assert grid[0] == {"a": 1}


def test_fixed_values_are_one_case_mixed_in_by_a_product():
    sweep = Grid(lr=[0.1, 0.01]) * Fixed(epochs=10)
    assert len(Fixed(epochs=10)) == 1
    assert list(sweep) == [{"lr": 0.1, "epochs": 10}, {"lr": 0.01, "epochs": 10}]
    assert sweep.varying == {"lr"} and sweep.fixed == {"epochs": 10}


# -- combinations ---------------------------------------------------------------------


def test_a_product_varies_its_last_source_fastest():
    a, b = Grid(x=[1, 2]), Grid(y=["p", "q", "r"])
    product = a * b
    assert isinstance(product, Product) and len(product) == 6
    assert list(product) == [{**p, **q} for p, q in itertools.product(a, b)]
    assert product[3] == {"x": 2, "y": "p"}


def test_products_and_concatenations_flatten():
    a, b, c = Grid(x=[1]), Grid(y=[2]), Grid(z=[3])
    assert (a * b * c).sources == (a, b, c)
    assert (a + b + c).sources == (a, b, c)
    assert (a * (b + c)).sources[1] == Concat(b, c)


def test_a_concatenation_runs_its_sources_one_after_the_other():
    small = Grid(lr=[0.1, 0.01]) * Fixed(model="small")
    large = Grid(lr=[0.001]) * Fixed(model="large", layers=12)
    both = small + large
    assert len(both) == 3
    assert list(both) == [{"lr": 0.1, "model": "small"}, {"lr": 0.01, "model": "small"},
                          {"lr": 0.001, "model": "large", "layers": 12}]
    assert both[2] == {"lr": 0.001, "model": "large", "layers": 12}
    assert both.names == ("lr", "model", "layers")
    # model differs between the parts, layers is missing from the first: both vary
    assert both.varying == {"lr", "model", "layers"}
    assert (Fixed(a=1) + Grid(a=[1], b=[2, 3])).fixed == {"a": 1}


def test_zip_pairs_cases_of_the_same_index():
    zipped = Zip(Grid(lr=[0.1, 0.01, 0.001]), Grid(warmup=[10, 100, 1000]))
    assert list(zipped) == [{"lr": 0.1, "warmup": 10}, {"lr": 0.01, "warmup": 100},
                            {"lr": 0.001, "warmup": 1000}]


def test_every_case_rebuilt_from_its_index_equals_the_iterated_one():
    sweep = (Grid(a=[1, 2, 3]) * Sample(4, seed=3, u=Uniform(0, 1))
             + Zip(Grid(a=[7, 8]), Sample(2, seed=5, u=Uniform(-1, 1))) * Fixed(b=True))
    cases = list(sweep.cases())
    assert len(cases) == len(sweep) == 14
    for case in cases:
        assert sweep[case.index] == case.params
    assert [c.index for c in cases] == list(range(14))


# -- random sources -------------------------------------------------------------------

#: The cases of GOLDEN: the same on every machine and Python version (SHA-256, the
#: Mersenne Twister, IEEE arithmetic; LogUniform also goes through log and exp)
GOLDEN = Sample(4, seed=42, lr=LogUniform(1e-4, 1e-1), dropout=Uniform(0.0, 0.5),
                width=RandInt(16, 64), act=Choice(["relu", "gelu", "tanh"]))
GOLDEN_CASES = [
    {"lr": 0.008329233527590546, "dropout": 0.25883154669409186, "width": 26, "act": "tanh"},
    {"lr": 0.08195564854157944, "dropout": 0.17877551950291526, "width": 26, "act": "relu"},
    {"lr": 0.008102397113956142, "dropout": 0.30682396283606345, "width": 53, "act": "gelu"},
    {"lr": 0.0034849674800694393, "dropout": 0.09247543342043463, "width": 31, "act": "relu"},
]


def test_random_cases_are_the_golden_ones():
    assert value_generator(42, 0, "lr").random() == 0.6402016795384217
    for drawn, golden in zip(GOLDEN, GOLDEN_CASES, strict=True):
        assert {k: drawn[k] for k in ("dropout", "width", "act")} == \
            {k: golden[k] for k in ("dropout", "width", "act")}
        assert math.isclose(drawn["lr"], golden["lr"], rel_tol=1e-12)


def test_case_i_is_drawn_alone_and_does_not_depend_on_the_others():
    longer = Sample(10, seed=42, lr=LogUniform(1e-4, 1e-1), dropout=Uniform(0.0, 0.5),
                    width=RandInt(16, 64), act=Choice(["relu", "gelu", "tanh"]))
    assert longer[:4] == list(GOLDEN)  # more cases: the first ones are the same
    rebuilt = Sample(4, seed=42, lr=LogUniform(1e-4, 1e-1), dropout=Uniform(0.0, 0.5),
                     width=RandInt(16, 64), act=Choice(["relu", "gelu", "tanh"]))[2]
    assert rebuilt == list(GOLDEN)[2]  # rebuilt from its index alone, in a new source
    fewer = Sample(4, seed=42, dropout=Uniform(0.0, 0.5))  # a parameter less
    assert [c["dropout"] for c in fewer] == [c["dropout"] for c in GOLDEN_CASES]
    other_seed = Sample(4, seed=43, dropout=Uniform(0.0, 0.5))
    assert [c["dropout"] for c in other_seed] != [c["dropout"] for c in fewer]


def test_draws_are_the_same_in_another_process():
    """No state of the process (hash seeds, the global random generator) is used."""
    code = ("from experimaestro.sweeps import Sample, Uniform\n"
            "print(repr(Sample(3, seed=9, u=Uniform(0, 1))[2]['u']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PYTHONHASHSEED": "123"},
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == Sample(3, seed=9, u=Uniform(0, 1))[2]["u"]


def test_draws_stay_in_their_bounds():
    sample = Sample(300, seed=1, u=Uniform(-2, 3), g=LogUniform(1e-5, 1e-3),
                    k=RandInt(3, 5), c=Choice([None, "x"]))
    values = list(sample)
    assert all(-2 <= v["u"] < 3 and 1e-5 <= v["g"] < 1e-3 for v in values)
    assert {v["k"] for v in values} == {3, 4, 5}  # both bounds included
    assert {v["c"] for v in values} == {None, "x"}


def test_one_random_case_or_one_choice_is_fixed():
    assert Sample(1, seed=0, u=Uniform(0, 1)).varying == frozenset()
    assert Sample(3, seed=0, u=Uniform(0, 1), c=Choice(["only"]),
                  k=RandInt(2, 2)).fixed == {"c": "only", "k": 2}


# -- cases and tags -----------------------------------------------------------------


def test_cases_give_index_params_and_the_tags_that_vary():
    sweep = Grid(lr=[0.1, 0.01], depth=[3]) * Fixed(epochs=5)
    cases = list(sweep.cases())
    assert cases[1] == Case(1, {"lr": 0.01, "depth": 3, "epochs": 5}, {"lr": 0.01})
    index, params = cases[1]  # unpacks as (index, params)
    assert (index, params["lr"]) == (1, 0.01)
    assert [c.index for c in sweep.cases([1, -2])] == [1, 0]


def test_a_case_tags_a_configuration():
    class Recorder:
        def __init__(self):
            self.tags = {}

        def tag(self, name, value):
            self.tags[name] = value
            return self

    case = next(Grid(lr=[0.1, 0.01], depth=[3]).cases([1]))
    recorder = Recorder()
    assert case.tag(recorder, index="case") is recorder
    assert recorder.tags == {"lr": 0.01, "case": 1}


# -- errors ---------------------------------------------------------------------------


def test_an_index_out_of_range_says_how_many_cases_there_are():
    grid = Grid(a=[1, 2, 3])
    with pytest.raises(IndexError, match=r"case 3 is out of range: the sweep has 3 cases"
                                         r" \(0 to 2\)"):
        grid[3]
    with pytest.raises(IndexError, match="case -4 is out of range"):
        grid[-4]
    with pytest.raises(IndexError, match=r"has 1 case \(0 to 0\)"):
        list(Fixed(a=1).cases([1]))
    with pytest.raises(TypeError, match="a case index is an integer"):
        grid["1"]


@pytest.mark.parametrize("make, path, message", [
    (lambda: Uniform(1, 1), "uniform", "low (1) must be below high (1)"),
    (lambda: Uniform("a", 1), "uniform[0]", "low: expected a number, got 'a'"),
    (lambda: Uniform(0, math.inf), "uniform[1]", "high: expected a number, got inf"),
    (lambda: LogUniform(0, 1), "loguniform", "the bounds must be positive numbers (the"
                                             " logarithm of 0 is not defined)"),
    (lambda: LogUniform(-1, -0.5), "loguniform", "logarithm of -1 and -0.5"),
    (lambda: LogUniform(0.1, 0.01), "loguniform", "low (0.1) must be below high (0.01)"),
    (lambda: RandInt(5, 2), "randint", "low (5) must not be above high (2)"),
    (lambda: RandInt(0.5, 2), "randint[0]", "low: expected a whole number, got 0.5"),
    (lambda: Choice([]), "choice", "expected a non-empty list of values"),
    (lambda: Grid(lr=[]), "grid.lr", "expected a non-empty list of values, got an empty one"),
    (lambda: Grid(lr=0.1), "grid.lr", "expected a list of values, got 0.1 (for one value,"
                                      " write [0.1] or use Fixed)"),
    (lambda: Grid(), "grid", "expected at least one parameter"),
    (lambda: Grid({"a": [1]}, a=[2]), "grid.a", "given twice"),
    (lambda: Sample(0, seed=1, u=Uniform(0, 1)), "sample.n", "expected a whole number, 1"
                                                             " or more, got 0"),
    (lambda: Sample(2, seed="x", u=Uniform(0, 1)), "sample.seed", "expected a whole number"),
    (lambda: Sample(2, seed=0, u=0.5), "sample.params.u", "expected a distribution"
                                                          " (Uniform, LogUniform, RandInt,"
                                                          " Choice), got 0.5; for one value,"
                                                          " use Fixed"),
    (lambda: Grid(a=[1]) * Grid(a=[2]), "product[1]", "the parameter 'a' is also set by"
                                                      " source 0"),
    (lambda: Zip(Grid(a=[1, 2]), Grid(b=[1])), "zip", "the same number of cases to be"
                                                      " zipped, they have 2, 1"),
    (lambda: Product(Grid(a=[1]), [1, 2]), "product[1]", "expected a source"),
    (lambda: Concat(), "concat", "expected at least one source"),
])
def test_wrong_definitions_say_what_and_where(make, path, message):
    with pytest.raises(SweepError) as error:
        make()
    assert str(error.value).startswith(f"{path}: "), str(error.value)
    assert message in str(error.value)
    assert isinstance(error.value, ValueError)


def test_a_random_source_needs_its_seed():
    with pytest.raises(TypeError, match="seed"):
        Sample(3, u=Uniform(0, 1))
