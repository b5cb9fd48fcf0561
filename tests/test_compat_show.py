"""`run-experiment --show` prints what 2.7.0 prints: the merged configuration (the keys
of the YAML files and -c options, no defaults) as one JSON line, `file` made absolute.
Run under experimaestro 2.7.0 (its own virtual environment) and under ours."""

import json
import shutil
import subprocess
import sys

import pytest
from test_compat_2x import REF, ROOT


@pytest.fixture(scope="module")
def ref27(request):
    """The interpreter of experimaestro 2.7.0 (made by the compat_envs fixture if absent)."""
    if not REF.exists():
        request.getfixturevalue("compat_envs")
    return REF


def _show(python, folder, *args, ours: bool):
    env = {"HOME": str(folder), "XPM_CONFIG_DIR": str(folder / "config"),
           "PATH": "/usr/bin:/bin", "NO_COLOR": "1"}
    if ours:
        env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run([str(python), "-m", "experimaestro", "run-experiment", "--show",
                             *args, "experiment.yaml"], cwd=folder, env=env,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    [line] = result.stdout.splitlines()  # one line of JSON, nothing else on stdout
    return json.loads(line)


@pytest.fixture
def example(tmp_path):
    folder = tmp_path / "xp"
    shutil.copytree(ROOT / "examples" / "yaml", folder)
    (folder / "pre.yaml").write_text("title: from pre\nsubtitle: from pre\n")
    (folder / "post.yaml").write_text("subtitle: from post\npower:\n  exponent: 5\n")
    return folder


@pytest.mark.parametrize("args", [(), ("--pre-yaml", "pre.yaml", "--post-yaml", "post.yaml")],
                         ids=["files", "pre and post files"])
def test_show_prints_the_json_of_2_7_0(ref27, example, args):
    ref = _show(ref27, example, *args, ours=False)
    ours = _show(sys.executable, example, *args, ours=True)
    assert ref["file"] == str(example.resolve() / "experiment")
    assert list(ours.items()) == list(ref.items())  # same keys, same order, same values


def test_show_gives_the_values_of_c_options_as_the_schema_reads_them(ref27, example):
    """Where ours differs: 2.7.0 prints the text of each -c value (`"4"`, `"[1,2]"`);
    ours prints the value the schema reads (a number, a list; text for a text field)."""
    args = ("-c", "power.exponent=4", "-c", "values=[1,2]", "-c", "title=007")
    ref = _show(ref27, example, *args, ours=False)
    ours = _show(sys.executable, example, *args, ours=True)
    assert list(ours) == list(ref)
    assert (ref["power"], ref["values"], ref["title"]) == ({"exponent": "4"}, "[1,2]", "007")
    assert (ours["power"], ours["values"], ours["title"]) == ({"exponent": 4}, [1, 2], "007")
