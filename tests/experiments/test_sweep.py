"""Sweeps in experiment files (experimaestro.experiments.sweep): a field typed Sweep
reads a source from YAML, parameters are dotted field paths checked against the
schema (file:line and key path of each problem), sweep_cases gives one configuration
per case, and --cases selects some of them."""

from pathlib import Path
from typing import Optional

import pytest

from experimaestro.experiments import ConfigurationBase, Sweep, configuration, sweep_cases
from experimaestro.experiments.runner import ExperimentRun, check_yaml_sweep
from experimaestro.experiments.schema import build_configuration, to_plain
from experimaestro.experiments.sweep import SweepPlan, check_sweep, parse_cases, select_cases
from experimaestro.experiments.yamlfiles import ConfigError, load_experiment_yaml
from experimaestro.sweeps import Fixed, Grid, Sample, SweepError, Uniform


@configuration()
class Model:
    depth: int = 2
    dropout: float = 0.0


@configuration()
class Settings(ConfigurationBase):
    lr: float = 0.001
    batch_size: int = 32
    model: Model = Model()
    sweep: Sweep = None


def load(tmp_path: Path, text: str, schema=Settings):
    """The configuration of a YAML file, as run-experiment builds and checks it."""
    path = tmp_path / "xp.yaml"
    path.write_text("id: test\n" + text)
    merged = load_experiment_yaml(path)
    cfg = build_configuration(schema, merged)
    check_yaml_sweep(cfg, merged)
    return cfg


SWEEP = """\
sweep:
  product:
    - grid:
        model.depth: [1, 2]
        lr: [1, 0.1]
    - sample:
        n: 2
        seed: 3
        params:
          model.dropout: {uniform: [0, 0.5]}
    - fixed:
        batch_size: 16
"""


def test_sweep_cases_set_the_fields_of_each_case(tmp_path):
    cfg = load(tmp_path, SWEEP)
    assert isinstance(cfg.sweep, SweepPlan) and len(cfg.sweep) == 8
    drawn = Sample(2, seed=3, **{"model.dropout": Uniform(0, 0.5)})
    pairs = list(sweep_cases(cfg))
    assert [case.index for case, _ in pairs] == list(range(8))
    for case, settings in pairs:
        depth, lr = [(1, 1.0), (1, 0.1), (2, 1.0), (2, 0.1)][case.index // 2]
        dropout = drawn[case.index % 2]["model.dropout"]
        assert (settings.model.depth, settings.lr, settings.model.dropout,
                settings.batch_size) == (depth, lr, dropout, 16)
        assert settings.sweep is None and settings.id == "test"
        assert case.params == {"model.depth": depth, "lr": lr, "model.dropout": dropout,
                               "batch_size": 16}
        assert case.tags == {"model.depth": depth, "lr": lr, "model.dropout": dropout}
    assert type(pairs[0][1].lr) is float  # converted to the field's type (1 -> 1.0)
    assert cfg.model.depth == 2 and cfg.lr == 0.001  # cfg itself is left as it was


def test_the_cases_rebuilt_from_the_source_are_those_run(tmp_path):
    cfg = load(tmp_path, SWEEP)
    for case, _ in sweep_cases(cfg):
        assert cfg.sweep.source[case.index] == case.params


def test_without_a_sweep_there_is_one_case(tmp_path):
    cfg = load(tmp_path, "lr: 0.5\n")
    ((case, settings),) = sweep_cases(cfg)
    assert (case.index, case.params, case.tags) == (0, {}, {})
    assert settings.lr == 0.5 and settings is not cfg


def test_show_prints_the_sweep_as_written(tmp_path):
    cfg = load(tmp_path, "sweep:\n  grid:\n    lr: [0.1, 0.01]\n")
    assert to_plain(cfg)["sweep"] == {"grid": {"lr": [0.1, 0.01]}}


def test_a_sweep_given_in_python():
    cfg = Settings(id="x", sweep=Grid(lr=[0.1, 0.2]) * Fixed({"model.depth": 4}))
    assert [(s.lr, s.model.depth) for _, s in sweep_cases(cfg)] == [(0.1, 4), (0.2, 4)]
    plain = Settings(id="x", sweep={"grid": {"batch_size": [8, 16]}})
    assert [s.batch_size for _, s in sweep_cases(plain)] == [8, 16]


def test_yaml_errors_name_the_file_line_and_key(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, "sweep:\n  product:\n    - grid:\n        lr: []\n"
                       "    - sample:\n        n: 2\n        params:\n"
                       "          lr2: {normal: [0, 1]}\n")
    xp = tmp_path / "xp.yaml"
    assert str(error.value).splitlines() == [
        "invalid configuration:",
        f"  {xp}:5: sweep.product[0].grid.lr: expected a non-empty list of values, got an"
        " empty one",
        f"  {xp}:6: sweep.product[1].sample: missing 'seed': a whole number seeding the"
        " draws, e.g. seed: 0",
        f"  {xp}:9: sweep.product[1].sample.params.lr2.normal: unknown distribution"
        " 'normal'; expected one of: uniform, loguniform, randint, choice"]


def test_parameters_must_name_fields_and_values_fit_them(tmp_path):
    with pytest.raises(ConfigError) as error:
        load(tmp_path, "sweep:\n  concat:\n    - grid:\n        modle.depth: [1, 2]\n"
                       "        batch_size: [16, big]\n"
                       "    - sample:\n        n: 3\n        seed: 0\n        params:\n"
                       "          model.depth: {uniform: [1, 4]}\n"
                       "          model.dropout: {choice: [0.1, high]}\n")
    xp = tmp_path / "xp.yaml"
    assert str(error.value).splitlines() == [
        "invalid configuration:",
        f"  {xp}:5: sweep.concat[0].grid.modle.depth: no field 'modle' in the configuration"
        " (Settings) for the sweep path 'modle.depth'; expected one of: add_timestamp,"
        " batch_size, description, dirty_git, file, grid_search, id, imports, lr, model,"
        " module, paper, parent, pre_experiment, pythonpath, subtitle, sweep, title; did you"
        " mean 'module' or 'model'?",
        f"  {xp}:6: sweep.concat[0].grid.batch_size[1]: expected an integer, got 'big' (str)",
        f"  {xp}:11: sweep.concat[1].sample.params.model.depth: model.depth does not take"
        f" the values uniform draws: expected an integer, got {_drawn()} (float); use randint"
        " for whole numbers",
        f"  {xp}:12: sweep.concat[1].sample.params.model.dropout.choice[1]: expected a"
        " number, got 'high' (str)"]


def _drawn() -> str:
    """What check_sweep shows of a uniform draw in [1, 4) for model.depth."""
    from experimaestro.sweeps.distributions import value_generator

    return repr(Uniform(1, 4).draw(value_generator(0, 0, "model.depth")))


def test_check_sweep_raises_a_value_error_with_key_paths():
    cfg = Settings(id="x", sweep=Grid(lr=["fast"]))
    with pytest.raises(SweepError) as error:
        check_sweep(cfg)
    assert error.value.problems == [(("sweep", "grid", "lr", 0),
                                     "expected a number, got 'fast' (str)")]
    with pytest.raises(SweepError):
        sweep_cases(cfg)  # at once, not when the first case is asked for


def test_a_schema_without_a_sweep_field_is_told_how_to_declare_one():
    with pytest.raises(ValueError, match=r"Plain has no field typed Sweep; declare one"
                                         r" \(`sweep: Sweep = None`"):
        sweep_cases(Plain(id="x"))


@configuration()
class Plain(ConfigurationBase):
    lr: float = 0.1


@configuration()
class Optional_(ConfigurationBase):
    lr: float = 0.1
    cases: Optional[Sweep] = None


def test_the_sweep_field_may_have_another_name_and_be_optional(tmp_path):
    cfg = load(tmp_path, "cases:\n  grid:\n    lr: [0.5, 0.25]\n", Optional_)
    assert [s.lr for _, s in sweep_cases(cfg)] == [0.5, 0.25]


# -- selecting cases ----------------------------------------------------------------------


@pytest.mark.parametrize("text, indices", [
    ("3", [3]), ("2:5", [2, 3, 4]), ("5:", [5, 6, 7]), (":2", [0, 1]),
    ("1, 4,6:8", [1, 4, 6, 7]), ("1,1,0:2", [1, 0]),
])
def test_parse_cases(text, indices):
    assert parse_cases(text, 8) == indices


@pytest.mark.parametrize("text, message", [
    ("8", "case 8 is out of range: the sweep has 8 cases (0 to 7)"),
    ("6:10", "case 9 is out of range: the sweep has 8 cases (0 to 7)"),
    ("x", "'x' is not a case index: write an index (3), a range (2:5, the end excluded)"),
    ("-1", "'-1': case indices start at 0"),
    ("4:4", "'4:4' selects no case (the end of a range is excluded)"),
])
def test_parse_cases_errors(text, message):
    with pytest.raises(ValueError) as error:
        parse_cases(text, 8)
    assert str(error.value).startswith(message)


def test_selected_cases_are_the_only_ones_run(tmp_path):
    cfg = load(tmp_path, SWEEP)
    select_cases(cfg, "1,6:8")
    assert [case.index for case, _ in sweep_cases(cfg)] == [1, 6, 7]
    assert to_plain(cfg)["sweep"] == load(tmp_path, SWEEP).sweep.xpm_plain()


def test_run_experiment_cases_option_is_checked_when_the_file_is_read(tmp_path):
    (tmp_path / "experiment.py").write_text(
        "from experimaestro.experiments import ConfigurationBase, Sweep, configuration\n"
        "@configuration()\nclass Settings(ConfigurationBase):\n"
        "    lr: float = 0.1\n    sweep: Sweep = None\n"
        "def run(helper, cfg: Settings):\n    pass\n")
    (tmp_path / "xp.yaml").write_text("id: x\nsweep:\n  grid:\n    lr: [0.1, 0.2]\n")
    run = ExperimentRun(tmp_path / "xp.yaml", cases="1")
    run.build()
    assert run.configuration.sweep.indices == (1,)
    with pytest.raises(ConfigError, match=rf"--cases 2: case 2 is out of range: the sweep"
                                          rf" has 2 cases \(0 to 1\) \(sweep at"
                                          rf" {tmp_path}/xp.yaml:2\)"):
        ExperimentRun(tmp_path / "xp.yaml", cases="2").build()
    (tmp_path / "none.yaml").write_text("id: x\n")
    with pytest.raises(ConfigError, match="--cases 0: the configuration's sweep is not set"):
        ExperimentRun(tmp_path / "none.yaml", cases="0").build()
