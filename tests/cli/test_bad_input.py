"""Bad input to run-experiment: one clear message (file, key path, line, what is expected),
exit code 2, and no traceback unless --debug."""

import textwrap

import pytest

from .helpers import copy_example, out, xpm


@pytest.fixture
def example(tmp_path):
    return copy_example(tmp_path / "xp")


def _write(folder, name, text):
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def _fails(result, *fragments, code=2):
    assert result.returncode == code, out(result)
    assert "Traceback" not in result.stderr, out(result)
    for fragment in fragments:
        assert fragment in result.stderr, f"{fragment!r} not in the message:\n{out(result)}"
    return result.stderr


def test_unknown_key(example, tmp_path):
    bad = _write(example.parent, "bad.yaml", """\
        id: x
        imports: [common.yaml]
        power:
          exponnent: 3
    """)
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           f"{bad}:4: power.exponnent: unknown key 'exponnent' in power (PowerSettings)",
           "expected one of: exponent", "did you mean 'exponent'?")


def test_unknown_key_in_imported_file_names_that_file(example, tmp_path):
    _write(example.parent, "base.yaml", """\
        title: t
        valuez: [1]
    """)
    bad = _write(example.parent, "bad.yaml", "id: x\nimports: [base.yaml]\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           f"{example.parent / 'base.yaml'}:2: valuez: unknown key 'valuez'",
           "did you mean 'values'?")


def test_wrong_types_are_all_listed(example, tmp_path):
    bad = _write(example.parent, "bad.yaml", """\
        id: x
        values: [1, two]
        power: 3
        add_timestamp: maybe
        dirty_git: sometimes
    """)
    message = _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
                     f"{bad}:2: values[1]: expected an integer, got 'two' (str)",
                     f"{bad}:3: power: expected a mapping (PowerSettings), got 3 (int)",
                     f"{bad}:4: add_timestamp: expected a boolean (true or false)",
                     f"{bad}:5: dirty_git: expected one of ignore, warn, error")
    assert message.index("values[1]") < message.index("add_timestamp")


def test_missing_required_key(example, tmp_path):
    bad = _write(example.parent, "bad.yaml", "values: [1]\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           f"{bad}: id: missing required key 'id' (a string)")


def test_missing_required_nested_key(tmp_path):
    (tmp_path / "experiment.py").write_text(textwrap.dedent("""\
        from experimaestro.experiments import ConfigurationBase, configuration

        @configuration()
        class Model:
            size: int

        @configuration()
        class Settings(ConfigurationBase):
            model: Model

        def run(helper, cfg: Settings):
            pass
    """))
    bad = _write(tmp_path, "xp.yaml", "id: x\nmodel:\n  other: 1\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           f"{bad}:2: model.size: missing required key 'size' (an integer)",
           f"{bad}:3: model.other: unknown key 'other'")


@pytest.mark.parametrize("override, fragments", [
    ("power.exponent", ["option -c 'power.exponent': expected KEY=VALUE"]),
    ("=3", ["option -c '=3': expected KEY=VALUE"]),
    ("power.exponentt=3", ["option -c power.exponentt=3: power.exponentt: unknown key",
                           "did you mean 'exponent'?"]),
    ("power.exponent=abc", ["option -c power.exponent=abc: power.exponent: expected an"
                            " integer, got 'abc' (str)"]),
    ("values=[1, x]", ["option -c values=[1, x]: values[1]: expected an integer"]),
    ("title.sub=1", ["option -c title.sub=1: title is not a mapping"]),
])
def test_bad_override(example, tmp_path, override, fragments):
    _fails(xpm("run-experiment", "--show", "-c", override, example, cwd=tmp_path), *fragments)


def test_missing_experiment_file(example, tmp_path):
    bad = _write(example.parent, "bad.yaml", "id: x\nfile: nothere\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           f"{bad}:2: file: experiment file {example.parent / 'nothere.py'} not found")


def test_missing_default_experiment_file(tmp_path):
    bad = _write(tmp_path, "xp.yaml", "id: x\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           f"{bad}: file: experiment file {tmp_path / 'experiment.py'} not found (the default")


def test_missing_yaml_and_imports(example, tmp_path):
    _fails(xpm("run-experiment", "--show", tmp_path / "nothere.yaml", cwd=tmp_path),
           "nothere.yaml: file not found")
    bad = _write(example.parent, "bad.yaml", "id: x\nimports:\n  - common.yaml\n  - gone.yaml\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           f"{bad}:4: imports: file 'gone.yaml' not found")


def test_yaml_syntax_error(example, tmp_path):
    bad = _write(example.parent, "bad.yaml", "id: x\nvalues: [1, 2\npower:\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           f"{bad}:3:6: invalid YAML: expected ',' or ']'",
           "while parsing a flow sequence at line 2")


def test_yaml_not_a_mapping(example, tmp_path):
    bad = _write(example.parent, "bad.yaml", "- a\n- b\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           f"{bad}:1: expected a mapping of keys")


def test_import_cycle(example, tmp_path):
    _write(example.parent, "a.yaml", "imports: [b.yaml]\n")
    _write(example.parent, "b.yaml", "imports: [a.yaml]\n")
    _fails(xpm("run-experiment", "--show", example.parent / "a.yaml", cwd=tmp_path),
           "import cycle")


def test_run_without_schema_annotation_uses_the_base(tmp_path):
    (tmp_path / "experiment.py").write_text("def run(helper, cfg):\n    pass\n")
    bad = _write(tmp_path, "xp.yaml", "id: x\nlr: 3\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           f"{bad}:2: lr: unknown key 'lr' (ConfigurationBase)")


def test_no_run_function(tmp_path):
    (tmp_path / "experiment.py").write_text("x = 1\n")
    bad = _write(tmp_path, "xp.yaml", "id: x\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           "experiment.py: no `run` function")


def test_error_in_experiment_file(tmp_path):
    (tmp_path / "experiment.py").write_text("import os\n\nraise ValueError('broken')\n")
    bad = _write(tmp_path, "xp.yaml", "id: x\n")
    _fails(xpm("run-experiment", "--show", bad, cwd=tmp_path),
           "importing the experiment file failed", "experiment.py:3)",
           "ValueError: broken", "--debug", code=1)


def test_error_raised_by_run(tmp_path):
    (tmp_path / "experiment.py").write_text("def run(helper, cfg):\n    raise KeyError('k')\n")
    bad = _write(tmp_path, "xp.yaml", "id: x\n")
    _fails(xpm("run-experiment", "--workdir", tmp_path / "ws", bad, cwd=tmp_path),
           "the experiment raised KeyError", "experiment.py:2", code=1)


def test_debug_shows_the_traceback(example, tmp_path):
    bad = _write(example.parent, "bad.yaml", "id: x\nvaluez: 1\n")
    for args in (["--debug", "run-experiment"], ["run-experiment", "--debug"]):
        result = xpm(*args, "--show", bad, cwd=tmp_path)
        assert result.returncode != 0
        assert "Traceback" in result.stderr and "unknown key 'valuez'" in result.stderr


def test_error_raised_inside_experimaestro_points_to_the_users_line(tmp_path):
    """A bad value given by the experiment's code is reported at the user's line, not at
    the line of experimaestro that detected it."""
    (tmp_path / "experiment.py").write_text(
        "from experimaestro import Config, Param\n"
        "\n"
        "class Model(Config):\n"
        "    size: Param[int]\n"
        "\n"
        "def run(helper, cfg):\n"
        "    Model.C(size='big')\n"
    )
    bad = _write(tmp_path, "xp.yaml", "id: x\n")
    result = xpm("run-experiment", "--workdir", tmp_path / "ws", bad, cwd=tmp_path)
    _fails(result, "the experiment raised ValidationError", "experiment.py:7)",
           "Model.size: expected int, got str 'big'", code=1)
    assert "experimaestro/core" not in result.stderr
