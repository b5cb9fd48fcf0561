"""The plain (YAML/JSON) form of a sweep: from_plain reads what to_plain writes, and
reports every problem with its key path."""

import json

import pytest

from experimaestro.sweeps import (
    Choice,
    Concat,
    Fixed,
    Grid,
    LogUniform,
    RandInt,
    Sample,
    SweepError,
    Uniform,
    Zip,
    from_plain,
)
from experimaestro.yamlnodes import format_key_path


def test_to_plain_and_back_gives_the_same_source():
    sweep = (Grid({"model.depth": [1, 2]}) * Sample(3, seed=0, lr=LogUniform(1e-4, 1e-2),
                                                   act=Choice(["relu", "gelu"]),
                                                   k=RandInt(1, 4), d=Uniform(0, 0.5))
             + Zip(Grid(a=[1, 2]), Grid(b=[3, 4])) * Fixed(epochs=3))
    plain = sweep.to_plain()
    again = from_plain(json.loads(json.dumps(plain)))  # JSON: plain data only
    assert again == sweep and list(again) == list(sweep)
    assert plain["concat"][0]["product"][1] == {"sample": {
        "n": 3, "seed": 0, "params": {"lr": {"loguniform": [1e-4, 1e-2]},
                                      "act": {"choice": ["relu", "gelu"]},
                                      "k": {"randint": [1, 4]}, "d": {"uniform": [0, 0.5]}}}}


def test_numbers_written_as_yaml_1_1_strings_are_numbers():
    """YAML 1.1 reads 1e-4 (no dot) as a string."""
    sample = from_plain({"sample": {"n": 2, "seed": 0,
                                    "params": {"lr": {"loguniform": ["1e-4", "1e-2"]}}}})
    assert sample.distributions["lr"] == LogUniform(1e-4, 1e-2)


def test_a_concatenation_of_grids():
    both = from_plain({"concat": [{"grid": {"lr": [0.1]}}, {"grid": {"lr": [0.2, 0.3]}}]})
    assert isinstance(both, Concat) and list(both) == [{"lr": 0.1}, {"lr": 0.2}, {"lr": 0.3}]


def test_every_problem_is_reported_with_its_key_path():
    with pytest.raises(SweepError) as error:
        from_plain({"product": [
            {"random": {"n": 3}},
            {"grid": {"lr": [], "depth": 3}},
            {"sample": {"seed": 1, "prams": {}, "params": {
                "a": {"unifrom": [0, 1]},
                "b": {"loguniform": [0, 1]},
                "c": {"uniform": [2, 1]},
                "d": {"uniform": 0.5},
                "e": 0.5}}},
            {"zip": [{"grid": {"x": [1, 2]}}, {"fixed": {"y": 1}}]},
        ]})
    problems = {path: message for path, message in error.value.problems}
    assert problems == {
        ("product", 0, "random"): "unknown source 'random'; expected one of: grid, fixed,"
                                  " sample, product, concat, zip; did you mean 'sample'?",
        ("product", 1, "grid", "lr"): "expected a non-empty list of values, got an empty one",
        ("product", 1, "grid", "depth"): "expected a list of values, got 3 (for one value,"
                                         " write [3] or use Fixed)",
        ("product", 2, "sample", "prams"): "unknown key 'prams' in a sample; expected: n,"
                                           " seed, params; did you mean 'params'? (the"
                                           " parameters go under params)",
        ("product", 2, "sample"): "missing 'n': the number of cases, e.g. n: 8",
        ("product", 2, "sample", "params", "a", "unifrom"):
            "unknown distribution 'unifrom'; expected one of: uniform, loguniform, randint,"
            " choice; did you mean 'uniform'?",
        ("product", 2, "sample", "params", "b", "loguniform"):
            "the bounds must be positive numbers (the logarithm of 0 is not defined), got"
            " [0, 1]; use uniform for a range that includes 0 or negative numbers",
        ("product", 2, "sample", "params", "c", "uniform"):
            "low (2) must be below high (1); write [low, high]",
        ("product", 2, "sample", "params", "d", "uniform"): "expected [low, high], got 0.5",
        ("product", 2, "sample", "params", "e"):
            "expected distribution: a mapping with one key among uniform, loguniform,"
            " randint, choice, got 0.5",
        ("product", 3, "zip"): "the sources must have the same number of cases to be"
                               " zipped, they have 2, 1",
    }


@pytest.mark.parametrize("plain, path, message", [
    ({"grid": {"a": [1]}, "fixed": {"b": 1}}, "(top level)",
     "a mapping with one key among grid, fixed, sample, product, concat, zip, got a mapping"
     " with the keys grid, fixed"),
    ([1, 2], "(top level)", "got [1, 2]"),
    ({"product": []}, "product", "expected a non-empty list of sources"),
    ({"sample": {"n": 2, "seed": 0}}, "sample", "missing 'params'"),
    ({"sample": {"n": 2, "params": {"u": {"uniform": [0, 1]}}}}, "sample", "missing 'seed'"),
    ({"sample": {"n": "many", "seed": 0, "params": {"u": {"uniform": [0, 1]}}}}, "sample.n",
     "the number of cases: expected a whole number, 1 or more, got 'many'"),
    ({"fixed": {}}, "fixed", "expected a mapping of parameter names to values, got {}"),
    ({"product": [{"grid": {"a": [1]}}, {"grid": {"a": [2]}}]}, "product[1]",
     "the parameter 'a' is also set by source 0"),
])
def test_malformed_plain_forms(plain, path, message):
    with pytest.raises(SweepError) as error:
        from_plain(plain)
    (found,) = error.value.problems
    assert format_key_path(found[0]) == path and message in found[1], found


def test_a_source_given_in_python_is_plain_data_too():
    assert Fixed(a=1).to_plain() == {"fixed": {"a": 1}}
    assert Sample(2, seed=5, u=Uniform(0, 1)).to_plain() == {
        "sample": {"n": 2, "seed": 5, "params": {"u": {"uniform": [0, 1]}}}}
