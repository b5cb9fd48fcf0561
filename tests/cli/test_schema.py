"""The YAML schema and merging, in process (the CLI tests cover the same through the command)."""

import dataclasses
import enum
from pathlib import Path
from typing import Dict, List, Literal, Optional, Tuple, Union

import attrs
import pytest

from experimaestro.experiments import ConfigurationBase, configuration
from experimaestro.experiments.schema import build_configuration, to_plain
from experimaestro.experiments.yamlfiles import ConfigError, load_experiment_yaml


class Color(enum.Enum):
    RED = "red"
    DARK_BLUE = "dark-blue"


@configuration
class Optim:
    lr: float = 0.1
    name: str = "adam"


@configuration()
class Schema(ConfigurationBase):
    optim: Optim = attrs.Factory(lambda: Optim(name="sgd"))
    sizes: Tuple[int, ...] = (1,)
    pair: Optional[Tuple[int, str]] = None
    weights: Dict[str, float] = {}
    color: Color = Color.RED
    mode: Literal["fast", "slow"] = "fast"
    path: Optional[Path] = None
    either: Union[int, List[int]] = 0


def _build(tmp_path, text, *overrides, schema=Schema):
    (tmp_path / "xp.yaml").write_text(text)
    merged = load_experiment_yaml(tmp_path / "xp.yaml", overrides=overrides)
    return build_configuration(schema, merged)


def test_types_and_conversions(tmp_path):
    cfg = _build(tmp_path, "id: 12\nsizes: [1, 2]\npair: [3, x]\nweights: {a: 1}\n"
                           "color: DARK_BLUE\nmode: slow\npath: a/b\neither: [1, 2]\n"
                           "optim: {lr: 1e-3}\n")
    assert cfg.id == "12"
    assert cfg.sizes == (1, 2) and cfg.pair == (3, "x")
    assert cfg.weights == {"a": 1.0} and isinstance(cfg.weights["a"], float)
    assert cfg.color is Color.DARK_BLUE and cfg.mode == "slow"
    assert cfg.path == Path("a/b") and cfg.either == [1, 2]
    # A partial nested mapping keeps the other values of the field's default
    assert cfg.optim == Optim(lr=0.001, name="sgd")
    assert to_plain(cfg)["color"] == "dark-blue"
    assert _build(tmp_path, "id: x\ncolor: dark-blue\n").color is Color.DARK_BLUE


def test_errors(tmp_path):
    with pytest.raises(ConfigError) as info:
        _build(tmp_path, "id: x\nmode: medium\ncolor: green\npair: [1]\noptim: {lr: fast}\n")
    message = str(info.value)
    assert "xp.yaml:2: mode: expected one of 'fast', 'slow', got 'medium'" in message
    assert "xp.yaml:3: color: expected one of red, dark-blue, got 'green'" in message
    assert "xp.yaml:4: pair: expected a list of 2 items, got 1" in message
    assert "xp.yaml:5: optim.lr: expected a number, got 'fast'" in message


def test_overrides(tmp_path):
    cfg = _build(tmp_path, "id: x\nsizes: [1, 2]\n", "sizes.1=5", "optim.lr=0.5", "weights.b=2")
    assert cfg.sizes == (1, 5) and cfg.optim.lr == 0.5 and cfg.weights == {"b": 2.0}
    with pytest.raises(ConfigError, match=r"sizes\[7\]: no such item in a list of 2"):
        _build(tmp_path, "id: x\nsizes: [1, 2]\n", "sizes.7=5")


def test_dataclass_schema(tmp_path):
    @dataclasses.dataclass
    class Plain:
        id: str
        n: int = 1
        tags: List[str] = dataclasses.field(default_factory=list)

    cfg = _build(tmp_path, "id: x\nn: 3\n", schema=Plain)
    assert cfg == Plain(id="x", n=3, tags=[])
    with pytest.raises(ConfigError, match="missing required key 'id'"):
        _build(tmp_path, "n: 3\n", schema=Plain)


def test_parent_is_a_deprecated_import(tmp_path):
    (tmp_path / "base.yaml").write_text("title: base\nid: b\n")
    (tmp_path / "xp.yaml").write_text("parent: base.yaml\nid: child\n")
    with pytest.warns(DeprecationWarning, match="`parent` is deprecated"):
        merged = load_experiment_yaml(tmp_path / "xp.yaml")
    cfg = build_configuration(ConfigurationBase, merged)
    assert (cfg.id, cfg.title) == ("child", "base")
    (tmp_path / "both.yaml").write_text("parent: base.yaml\nimports: [base.yaml]\n")
    with pytest.raises(ConfigError, match="`parent` and `imports` cannot both be given"):
        load_experiment_yaml(tmp_path / "both.yaml")


def test_experiments_import_is_light():
    import subprocess
    import sys

    code = ("import sys; import experimaestro.experiments as e; e.configuration; "
            "e.ConfigurationBase; e.ExperimentHelper; "
            "print(sorted(m for m in ('click', 'yaml') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_module_path_of_2x():
    """2.x's tutorial imports ConfigurationBase and configuration from this module."""
    from experimaestro.experiments import ConfigurationBase as base
    from experimaestro.experiments.configuration import ConfigurationBase, configuration

    assert ConfigurationBase is base

    @configuration()
    class Mine(ConfigurationBase):
        lr: float = 0.1

    assert Mine(id="x").lr == 0.1
