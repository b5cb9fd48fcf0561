"""`experimaestro jobs list --filter F`: the jobs experimaestro 2.7.0's command selects
and the jobs ours selects, on one workspace written by 2.7.0 (tests/compat/
filter_workspace.py), for filters in 2.x's syntax. Where 2.7.0 does not do what its
documentation says, the test pins both behaviours (docs/cli.md lists the differences)."""

import json
import os
import re
import subprocess
import sys

import pytest

from test_compat_2x import COMPAT, REF, ROOT

#: 2.x filters that 2.7.0 evaluates as documented: both must select the same jobs
SAME = [
    '@state = "done"',
    '@state="error"',
    '@state = "running"',
    '@name = "__main__.power"',
    '@name = "__main__.other"',
    '@name = "power"',
    'model = "bm25"',
    'model = "t5"',
    'model = "nope"',
    'name = "a b"',
    'model = "bm25" and @state = "done"',
    'model = "bm25" or model = "t5"',
    'model = "bert" or model = "t5" and @state = "done"',  # (bert or t5) and done
    '@state = "error" or model = "t5" and @name = "__main__.other"',
    '@state = "done" and @name = "__main__.power" or model = "bert"',
]


def test_2x_filters_select_the_same_jobs(filter_workspace):
    differ = []
    for text in SAME:
        ref, ours = ref_select(filter_workspace, text), our_select(filter_workspace, text)
        if ref != ours:
            differ.append(f"{text}: 2.7.0 selects {sorted(ref)}, ours {sorted(ours)}")
    assert not differ, "\n".join(differ)
    # The filters select something (the comparisons are not all of empty sets)
    assert len(our_select(filter_workspace, '@state = "done"')) == 4


def test_where_2_7_0_departs_from_its_documentation(filter_workspace):
    def jobs(**tags):
        """The locators of the Power jobs with these tags."""
        return {loc for loc, t in _tags(filter_workspace).items()
                if all(t.get(k) == v for k, v in tags.items())}

    every = {job["locator"] for job in _our_jobs(filter_workspace, "-e", "filters")}
    # `in` and `not in`: 2.7.0 compares the tag with its parse objects, never equal
    text = 'model in ["bm25", "t5"]'
    assert ref_select(filter_workspace, text) == set()
    assert our_select(filter_workspace, text) == jobs(model="bm25") | jobs(model="t5")
    text = 'model not in ["bm25"]'
    assert ref_select(filter_workspace, text) == every
    assert our_select(filter_workspace, text) == every - jobs(model="bm25")
    # `~`: 2.7.0 fails (re.compile of a parse object)
    assert "TypeError" in ref_list(filter_workspace, 'model ~ "b"').stderr
    assert our_select(filter_workspace, 'model ~ "b"') == jobs(model="bm25") | jobs(model="bert")
    # Number tags: 2.7.0 compares the number with the string, never equal
    assert ref_select(filter_workspace, 'x = "1"') == set()
    assert our_select(filter_workspace, 'x = "1"') == jobs(x=1)
    # The state names in capitals of 2.x's own example (@state = "RUNNING")
    assert ref_select(filter_workspace, '@state = "DONE"') == set()
    assert our_select(filter_workspace, '@state = "DONE"') == our_select(
        filter_workspace, '@state = "done"')
    # Tags without --experiment: 2.7.0 knows none
    assert ref_select(filter_workspace, 'model = "t5"', experiment=False) == set()
    assert our_select(filter_workspace, 'model = "t5"', experiment=False) == jobs(model="t5")
    # Parentheses: 2.7.0 refuses them
    assert "ParseException" in ref_list(filter_workspace, '(model = "t5")').stderr
    assert our_select(filter_workspace, '(model = "t5")') == jobs(model="t5")


# -- running both commands ---------------------------------------------------------------


@pytest.fixture(scope="module")
def filter_workspace(compat_envs, tmp_path_factory):
    return make_workspace(tmp_path_factory.mktemp("filters") / "ws")


def make_workspace(workdir):
    """2.7.0 runs tests/compat/filter_workspace.py in WORKDIR."""
    workdir.parent.mkdir(parents=True, exist_ok=True)
    result = subprocess.run([str(REF), "filter_workspace.py", str(workdir)], cwd=COMPAT,
                            env={**_env(workdir), "PYTHONPATH": str(COMPAT)},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return workdir


def _env(workdir) -> dict:
    # 2.7.0 reads (and writes) ~/.config/experimaestro: a HOME of the test's own; each
    # side imports its own experimaestro (no PYTHONPATH but the one given)
    env = {**os.environ, "HOME": str(workdir.parent), "NO_COLOR": "1",
           "XPM_CONFIG_DIR": str(workdir.parent / "config")}
    env.pop("PYTHONPATH", None)
    return env


def ref_list(workdir, text, experiment=True):
    args = ["--experiment", "filters"] if experiment else []
    return subprocess.run(
        [str(REF), "-m", "experimaestro", "jobs", "--workdir", str(workdir), "list", *args,
         "--filter", text],
        cwd=workdir.parent, env=_env(workdir), capture_output=True, text=True, timeout=120)


def ref_select(workdir, text, experiment=True) -> set:
    """The jobs (TYPE/IDENTIFIER) 2.7.0 lists: lines `STATE   TYPE/ID [tags]`."""
    result = ref_list(workdir, text, experiment)
    assert result.returncode == 0, result.stdout + result.stderr
    return set(re.findall(r"^\w+\s+(\S+/[0-9a-f]{64})", result.stdout, re.MULTILINE))


def our_select(workdir, text, experiment=True) -> set:
    return {job["locator"] for job in _our_jobs(workdir, "--filter", text,
                                                *(["-e", "filters"] if experiment else []))}


def _our_jobs(workdir, *args) -> list:
    env = {**_env(workdir), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "experimaestro", "jobs", "list", "--workdir", str(workdir),
         "--json", *args], cwd=workdir.parent, env=env, capture_output=True, text=True,
        timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def _tags(workdir) -> dict:
    """locator -> tags of the Power jobs."""
    return {job["locator"]: job["tags"] for job in _our_jobs(workdir)
            if job["type"].endswith(".power")}
