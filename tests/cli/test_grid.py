"""Grid search (experimaestro.experiments.grid): search spaces, generate_grid, and the
YAML form read by run-experiment. The comparison with experimaestro 2.7.0 itself is in
tests/test_compat_grid.py."""

import enum
import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import attrs
import pytest

from experimaestro.experiments import ConfigurationBase, configuration
from experimaestro.experiments.grid import (
    GenericParams,
    GridError,
    GridSearch,
    check_grid,
    discover_grid_params,
    finalize_config,
    generate_grid,
    get_nested_attr_type,
)
from experimaestro.experiments.runner import check_yaml_grid
from experimaestro.experiments.schema import build_configuration, to_plain
from experimaestro.experiments.yamlfiles import ConfigError, MergedConfig, load_experiment_yaml

from .helpers import ROOT, environment, jobs_json, out, xpm


class Activation(enum.Enum):
    RELU = "relu"
    GELU = "gelu"


@configuration()
class Layer:
    width: int = 8


@configuration()
class Model:
    depth: GridSearch[int] = 2
    activation: Activation = Activation.RELU
    dropout: Optional[float] = None
    layer: Layer = Layer()
    sizes: List[int] = [1]


@configuration()
class Settings(ConfigurationBase):
    lr: GridSearch[float] = 0.001
    batch_size: GridSearch[int] = 32
    model: Model = Model()
    name: str = "run"


def load(tmp_path: Path, text: str, schema=Settings):
    """The configuration of a YAML file (as run-experiment builds it, grid check included)."""
    path = tmp_path / "xp.yaml"
    path.write_text("id: test\n" + text)
    merged = load_experiment_yaml(path)
    cfg = build_configuration(schema, merged)
    check_yaml_grid(cfg, merged)
    return cfg


def grid(tmp_path, text, schema=Settings):
    configurations, tags = generate_grid(load(tmp_path, text, schema))
    return configurations, tags


# -- search spaces ----------------------------------------------------------------------


@pytest.mark.parametrize("written, values", [
    (0.5, [0.5]),
    ([0.1, 0.01], [0.1, 0.01]),
    ({"range": [0, 3]}, [0, 1, 2]),
    ({"values_range": [16, 64, 10]}, [16, 26, 36, 46, 56]),
    ({"range": [3, 0, -1]}, [3, 2, 1]),
    ({"range_mult": ["1e-4", 4, 10]}, [1e-4, 1e-3, 1e-2, 1e-1]),  # YAML 1.1: 1e-4 is a str
    ({"values_mult": [1, 3, 2]}, [1, 2, 4]),
    ({"value": 3}, [3]),
    ({"values_list": [1, 2]}, [1, 2]),
])
def test_search_space_forms(written, values):
    space = GenericParams.from_any(written)
    assert space.as_list() == values
    assert space.is_grid == (len(values) > 1)


@pytest.mark.parametrize("written, path, message", [
    ({"ranges": [0, 2]}, "ranges", "did you mean 'range'?"),
    ({"values_list": [1], "range": [0, 2]}, "range",
     "takes one of value, values_list, range or range_mult, not values_list and range"),
    ({"range": [0.5, 3]}, "range", "integers as in Python's range()"),
    ({"range": [0, 3, 0]}, "range", "the step (third value) must not be 0"),
    ({"range": 3}, "range", "[start, stop] or [start, stop, step]"),
    ({"range_mult": [1, 4]}, "range_mult", "[start, n_iter, multiplier]"),
    ({"range_mult": ["x", 4, 10]}, "range_mult[0]", "start: expected a number, got 'x'"),
    ({"range_mult": [1, 2.5, 10]}, "range_mult[1]", "n_iter: expected a whole number"),
    ({"values_list": 3}, "values_list", "expected a list of values"),
])
def test_malformed_search_spaces_say_which_key(written, path, message):
    with pytest.raises(GridError) as error:
        GenericParams.from_any(written)
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)
    assert isinstance(error.value, ValueError)  # as 2.x raises


def test_from_any_converts_to_the_target_type():
    assert GenericParams.from_any([1, "2"], float).values_list == [1.0, 2.0]
    with pytest.raises(GridError, match=r"\[1\]: expected an integer, got 'x'"):
        GenericParams.from_any([1, "x"], int)


# -- generate_grid ----------------------------------------------------------------------


def test_product_order_and_tags(tmp_path):
    configurations, tags = grid(tmp_path, "lr: [0.1, 0.2]\nbatch_size: {range: [1, 4]}\n")
    assert [(c.lr, c.batch_size) for c in configurations] == [
        (0.1, 1), (0.1, 2), (0.1, 3), (0.2, 1), (0.2, 2), (0.2, 3)]
    assert tags[4] == {"lr": 0.2, "batch_size": 2}
    assert all(c.grid_search == {} for c in configurations)  # generated: no grid left


def test_values_are_converted_to_the_field_type(tmp_path):
    configurations, tags = grid(tmp_path, "lr: [1, 2]\n")
    assert [type(c.lr) for c in configurations] == [float, float]
    assert tags[0] == {"lr": 1.0}


def test_grid_search_block_reaches_nested_and_plain_fields(tmp_path):
    configurations, tags = grid(tmp_path, (
        "batch_size: [1, 2]\n"
        "grid_search:\n"
        "  model.activation: [relu, gelu]\n"   # an enum, by value
        "  name: [1, 2]\n"                      # a str field: numbers become strings
        "  model.layer: [{width: 4}, {width: 16}]\n"  # a nested configuration
        "  model.sizes: [[1, 2], [3]]\n"
        "  model.dropout: 0.5\n"))              # one value: set, not a tag
    assert len(configurations) == 2 * 2 * 2 * 2 * 2
    first = configurations[0]
    assert first.model.activation is Activation.RELU and first.name == "1"
    assert first.model.layer == Layer(width=4) and first.model.sizes == [1, 2]
    assert all(c.model.dropout == 0.5 for c in configurations)
    # inline spaces first (field order), then the block's, in its order
    assert list(tags[0]) == ["batch_size", "model.activation", "name", "model.layer",
                             "model.sizes"]
    assert tags[-1]["model.layer"] == Layer(width=16)


def test_a_block_entry_replaces_the_inline_space_in_place(tmp_path):
    configurations, tags = grid(tmp_path, "lr: [0.1, 0.2]\nbatch_size: [1, 2]\n"
                                          "grid_search:\n  lr: [0.3, 0.4, 0.5]\n")
    assert [c.lr for c in configurations[:3]] == [0.3, 0.3, 0.4]
    assert list(tags[0]) == ["lr", "batch_size"]


def test_config_dicts_vary_together_innermost(tmp_path):
    configurations, tags = grid(tmp_path, (
        "lr: [0.1, 0.01]\n"
        "grid_search:\n"
        "  config_dicts:\n"
        "    - {batch_size: 16, model.depth: 3, name: a}\n"
        "    - {batch_size: 64, model.depth: 5, name: a}\n"))
    assert [(c.lr, c.batch_size, c.model.depth) for c in configurations] == [
        (0.1, 16, 3), (0.1, 64, 5), (0.01, 16, 3), (0.01, 64, 5)]
    # name is the same in every mapping: set, not a tag
    assert tags[1] == {"lr": 0.1, "batch_size": 64, "model.depth": 5}
    single, single_tags = grid(tmp_path, "grid_search:\n  config_dicts: [{lr: 0.5}]\n")
    assert [c.lr for c in single] == [0.5] and single_tags == [{}]


def test_no_search_space_gives_one_copy(tmp_path):
    cfg = load(tmp_path, "lr: 0.5\n")
    configurations, tags = generate_grid(cfg)
    assert tags == [{}] and configurations[0] is not cfg
    assert configurations[0].lr == 0.5 and configurations[0].grid_search is None
    assert isinstance(cfg.lr, GenericParams)  # the input is left as it was


def test_one_value_spaces_become_their_value(tmp_path):
    configurations, _ = grid(tmp_path, "lr: [0.1]\nbatch_size: {range: [5, 6]}\n"
                                       "model: {depth: {value: 7}}\n")
    (c,) = configurations
    assert (c.lr, c.batch_size, c.model.depth) == (0.1, 5, 7)


def test_generated_configurations_share_nothing(tmp_path):
    configurations, _ = grid(tmp_path, "lr: [0.1, 0.2]\ngrid_search:\n  model.sizes: [[1]]\n")
    configurations[0].model.sizes.append(2)
    assert configurations[1].model.sizes == [1]


def test_configurations_built_in_python_as_in_2x():
    cfg = Settings(id="test", lr=[0.1, 0.01], batch_size=32, model=Model(depth=[1, 2]))
    cfg.lr = GenericParams.from_any(cfg.lr)
    cfg.model.depth = GenericParams.from_any(cfg.model.depth)
    assert list(discover_grid_params(cfg)) == ["lr", "model.depth"]
    configurations, tags = generate_grid(cfg)
    assert [(c.lr, c.model.depth) for c in configurations] == [
        (0.1, 1), (0.1, 2), (0.01, 1), (0.01, 2)]
    assert check_grid(cfg) == 4
    assert get_nested_attr_type(cfg, "model.dropout") == Optional[float]
    cfg.batch_size = GenericParams(value=64)
    finalize_config(cfg)
    assert cfg.batch_size == 64 and isinstance(cfg.lr, GenericParams)  # grids stay


def test_grid_search_typed_with_search_spaces():
    """A schema may type grid_search as Dict[str, GridSearch[Any]] (2.x's tests do)."""

    @configuration()
    class Custom(ConfigurationBase):
        grid_search: Dict[str, GridSearch[Any]] = attrs.Factory(dict)
        lr: Optional[float] = 0.01
        batch_size: Optional[int] = 32

    merged = MergedConfig(Path("xp.yaml"))
    merged.data = {"id": "x", "grid_search": {"config_dicts": [
        {"lr": 0.05, "batch_size": 16}, {"lr": None, "batch_size": 64}]}}
    configurations, tags = generate_grid(build_configuration(Custom, merged))
    assert [(c.lr, c.batch_size) for c in configurations] == [(0.05, 16), (None, 64)]
    assert tags[1] == {"lr": None, "batch_size": 64}


def test_every_problem_is_reported_with_its_key_path():
    cfg = Settings(id="x", grid_search={
        "modle.depth": [1, 2],
        "model.layer.height": [1, 2],
        "batch_size": [1, "big"],
        "config_dicts": [{"lr": 0.1}, {"lr": 0.2, "name": "b"}]})
    with pytest.raises(GridError) as error:
        generate_grid(cfg)
    problems = dict(error.value.problems)
    assert set(problems) == {("grid_search", "modle.depth"),
                             ("grid_search", "model.layer.height"),
                             ("grid_search", "batch_size", 1),
                             ("grid_search", "config_dicts", 1)}
    assert "did you mean 'module' or 'model'?" in problems[("grid_search", "modle.depth")]
    assert "no field 'height' in model.layer (Layer)" in \
        problems[("grid_search", "model.layer.height")]
    assert "extra: ['name']" in problems[("grid_search", "config_dicts", 1)]


def test_config_dicts_may_not_set_a_searched_field():
    cfg = Settings(id="x", lr=GenericParams(values_list=[0.1, 0.2]),
                   grid_search={"config_dicts": [{"lr": 0.3}, {"lr": 0.4}]})
    with pytest.raises(GridError, match=r"config_dicts\[0\]\.lr: lr is also a search space"):
        generate_grid(cfg)


def test_a_null_parent_is_explained():
    @configuration()
    class WithOptional(ConfigurationBase):
        model: Optional[Model] = None

    with pytest.raises(GridError, match="model is null; give model a value"):
        generate_grid(WithOptional(id="x", grid_search={"model.depth": [1, 2]}))


# -- the YAML form ----------------------------------------------------------------------


def test_yaml_errors_name_the_file_line_and_key(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, "lr: {ranges: [1, 2]}\nbatch_size: [16, big]\nmodel:\n"
                       "  depth: []\n")
    lines = str(error.value).splitlines()
    xp = tmp_path / "xp.yaml"
    assert lines[1:] == [
        f"  {xp}:2: lr.ranges: unknown key 'ranges' in a search space; expected one of:"
        " range, range_mult, value, values_list, values_mult, values_range; did you mean"
        " 'range'?",
        f"  {xp}:3: batch_size[1]: expected an integer, got 'big' (str)",
        f"  {xp}:5: model.depth: the search space [] has no value"]
    with pytest.raises(ConfigError) as error:
        load(tmp_path, "grid_search:\n  lr: [0.1]\n  config_dicts:\n    - {seed: 1}\n")
    assert str(error.value) == (
        f"invalid configuration: {xp}:5: grid_search.config_dicts[0].seed: no field 'seed'"
        " in the configuration (Settings) for the grid search path 'seed'; expected one of:"
        " add_timestamp, batch_size, description, dirty_git, file, grid_search, id, imports,"
        " lr, model, module, name, paper, parent, pre_experiment, pythonpath, subtitle,"
        " title")


def test_a_required_grid_field_says_what_it_takes(tmp_path):
    @configuration()
    class Required(ConfigurationBase):
        lr: GridSearch[float]

    with pytest.raises(ConfigError, match=r"missing required key 'lr' \(a number, a list of"
                                          r" them, or a search space"):
        load(tmp_path, "", Required)
    assert load(tmp_path, "lr: null\n", Required).lr == GenericParams()  # null, as in 2.x


def test_show_prints_search_spaces_as_written(tmp_path):
    cfg = load(tmp_path, "lr: {range_mult: [1e-4, 3, 10]}\nbatch_size: [1, 2]\n"
                         "model: {depth: {range: [1, 3]}}\n")
    shown = to_plain(cfg)
    assert shown["lr"] == {"range_mult": [1e-4, 3, 10]}
    assert shown["batch_size"] == [1, 2] and shown["model"]["depth"] == {"range": [1, 3]}


def test_run_experiment_runs_the_example_grid(tmp_path):
    """examples/grid: lists and ranges in grid.yaml, generate_grid in run(), one tagged
    job per combination, all done."""
    ws = tmp_path / "ws"
    # PYTHONPATH: the tree under test, not the experimaestro installed in the venv
    env = environment(tmp_path / "config", PYTHONPATH=ROOT)
    result = xpm("run-experiment", "--workdir", ws, ROOT / "examples" / "grid" / "grid.yaml",
                 cwd=tmp_path, env=env)
    assert result.returncode == 0, out(result)
    assert "8 configurations" in result.stdout
    jobs = jobs_json(ws)
    assert sorted(json.dumps(job["tags"], sort_keys=True) for job in jobs) == sorted(
        json.dumps({"lr": lr, "batch_size": bs, "model.depth": depth}, sort_keys=True)
        for lr in (0.001, 0.01) for bs in (16, 32) for depth in (1, 2))
    scores = {float((Path(job["path"]) / "score.txt").read_text()) for job in jobs}
    assert scores == {lr * bs * d for lr in (0.001, 0.01) for bs in (16, 32) for d in (1, 2)}


def test_run_experiment_refuses_a_bad_grid_before_running(tmp_path):
    (tmp_path / "xp").mkdir()
    (tmp_path / "xp" / "experiment.py").write_text(
        (ROOT / "examples" / "grid" / "experiment.py").read_text())
    (tmp_path / "xp" / "bad.yaml").write_text(
        "id: bad\ngrid_search:\n  model.depht: [1, 2]\n")
    env = environment(tmp_path / "config", PYTHONPATH=ROOT)
    result = xpm("run-experiment", "--workdir", tmp_path / "ws", "xp/bad.yaml",
                 cwd=tmp_path, env=env)
    assert result.returncode == 2, out(result)
    assert result.stderr.startswith(
        "Error: invalid configuration: xp/bad.yaml:3: grid_search.model.depht: no field"
        " 'depht' in model (Model) for the grid search path 'model.depht'; expected one of:"
        " depth; did you mean 'depth'?"), out(result)
    assert not (tmp_path / "ws" / "jobs").exists()
