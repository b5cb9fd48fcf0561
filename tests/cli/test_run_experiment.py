"""`experimaestro run-experiment`: real runs of YAML experiments in temporary workspaces."""

import json
import signal
import subprocess
import textwrap
from pathlib import Path

import pytest
import yaml

from .helpers import copy_example, jobs_json, out, start_xpm, wait_for, xpm


def _results(workdir: Path) -> dict:
    """x -> result.txt content, for the Power jobs of a workspace."""
    found = {}
    for job in jobs_json(workdir):
        result = Path(job["path"]) / "result.txt"
        if result.exists():
            found[job["tags"]["x"]] = int(result.read_text())
    return found


def test_imports_and_overrides_run_to_done(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    (tmp_path / "xp" / "more.yaml").write_text("values: [2, 5]\n")
    ws = tmp_path / "ws"
    result = xpm("run-experiment", "--workdir", ws, "-c", "power.exponent=4",
                 "--post-yaml", tmp_path / "xp" / "more.yaml", yaml_file, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    assert _results(ws) == {2: 16, 5: 625}
    run = (ws / "experiments" / "powers" / "current").resolve()
    lines = [json.loads(line) for line in (run / "jobs.jsonl").read_text().splitlines()]
    assert sorted(line["tags"]["x"] for line in lines) == [2, 5]
    # A second run finds everything done
    again = xpm("run-experiment", "--workdir", ws, "-c", "power.exponent=4",
                "--post-yaml", tmp_path / "xp" / "more.yaml", yaml_file, cwd=tmp_path)
    assert again.returncode == 0, out(again)
    assert "started" not in again.stderr


def test_imported_values_and_current_file_wins(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    result = xpm("run-experiment", "--show", yaml_file, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    shown = yaml.safe_load(result.stdout)
    assert shown["id"] == "powers"
    assert shown["title"] == "Powers of small numbers"  # from common.yaml
    assert shown["values"] == [1, 2, 3, 4]  # experiment.yaml wins over common.yaml
    assert shown["power"] == {"exponent": 3}
    assert shown["dirty_git"] == "ignore"
    assert not (tmp_path / "ws").exists()


def test_deep_merge_order_of_pre_post_and_overrides(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    pre = tmp_path / "pre.yaml"
    pre.write_text("title: from pre\nsubtitle: from pre\npower:\n  exponent: 7\n")
    post = tmp_path / "post.yaml"
    post.write_text("subtitle: from post\n")
    result = xpm("run-experiment", "--show", "--pre-yaml", pre, "--post-yaml", post,
                 "-c", "description=from -c", "-c", "id=007", yaml_file, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    shown = yaml.safe_load(result.stdout)
    # common.yaml (imported by the main file) comes after --pre-yaml
    assert shown["title"] == "Powers of small numbers"
    assert shown["subtitle"] == "from post"
    assert shown["power"] == {"exponent": 3}
    assert shown["description"] == "from -c"
    assert shown["id"] == "007"  # a string field keeps the text of -c


def test_failing_task_exits_non_zero_with_its_log(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    result = xpm("run-experiment", "--workdir", ws, "-c", "fail_on=2", yaml_file, cwd=tmp_path)
    assert result.returncode == 1, out(result)
    assert "1 job(s) failed" in result.stderr
    assert "RuntimeError: failure requested for x=2" in result.stderr
    [failed] = [j for j in jobs_json(ws) if j["state"] == "failed"]
    assert f"(log: {failed['stderr']})" in result.stderr
    assert "failure requested" in Path(failed["stderr"]).read_text()
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("mode", ["dry-run", "dry_run", "DRY_RUN", "Dry-Run"])
def test_dry_run_runs_nothing(tmp_path, mode):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    result = xpm("run-experiment", "--workdir", ws, "--run-mode", mode, yaml_file, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    assert result.stdout.count("[dry-run]") == 4
    assert not (ws / "jobs").exists()


@pytest.mark.parametrize("mode", ["generate", "generate_only", "GENERATE_ONLY"])
def test_generate_writes_params_only(tmp_path, mode):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    result = xpm("run-experiment", "--workdir", ws, "--run-mode", mode, yaml_file, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    jobs = jobs_json(ws)
    assert len(jobs) == 4 and {j["state"] for j in jobs} == {"pending"}
    assert all((Path(j["path"]) / "params.json").exists() for j in jobs)


def test_bad_run_mode(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    result = xpm("run-experiment", "--run-mode", "fast", yaml_file, cwd=tmp_path)
    assert result.returncode == 2
    assert "unknown run mode 'fast'" in result.stderr and "dry-run" in result.stderr


# -- custom experiments ------------------------------------------------------------------

LIB = '''
import os
from pathlib import Path
from experimaestro import Param, Task


class EnvValue(Task):
    """Writes the value of an environment variable to result.txt."""

    name: Param[str]

    def execute(self):
        Path("result.txt").write_text(os.environ.get(self.name, "<unset>"))
'''

EXPERIMENT = '''
import os
from pathlib import Path
from typing import List

from experimaestro.experiments import ConfigurationBase, ExperimentHelper, configuration

import helpers  # from the `pythonpath:` folder

PRE = os.environ.get("XPM_TEST_PRE", "<not run>")


@configuration()
class Settings(ConfigurationBase):
    names: List[str] = []
    report: str = "report.txt"


def run(helper: ExperimentHelper, cfg: Settings):
    Path(cfg.report).write_text(f"pre={PRE} xp={helper.xp.name}")
    for name in cfg.names:
        helpers.EnvValue.C(name=name).submit()
'''


def _custom(tmp_path: Path, yaml_text: str) -> Path:
    folder = tmp_path / "project"
    (folder / "lib").mkdir(parents=True)
    (folder / "lib" / "helpers.py").write_text(LIB)
    (folder / "run_it.py").write_text(EXPERIMENT)
    (folder / "pre.py").write_text("import os\nos.environ['XPM_TEST_PRE'] = 'yes'\n")
    yaml_file = folder / "xp.yaml"
    yaml_file.write_text(textwrap.dedent(yaml_text))
    return yaml_file


def test_pythonpath_pre_experiment_env_and_timestamp(tmp_path):
    yaml_file = _custom(tmp_path, """\
        id: custom
        file: run_it
        pythonpath: [lib]
        pre_experiment: pre.py
        add_timestamp: true
        dirty_git: ignore
        names: [XPM_TEST_A]
    """)
    ws = tmp_path / "ws"
    result = xpm("run-experiment", "--workdir", ws, "--env", "XPM_TEST_A", "hello",
                 "-c", f"report={tmp_path / 'report.txt'}", yaml_file, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    [job] = jobs_json(ws)
    assert (Path(job["path"]) / "result.txt").read_text() == "hello"
    assert job["type"] == "helpers.envvalue"
    report = (tmp_path / "report.txt").read_text()
    assert report.startswith("pre=yes xp=custom-")
    [xp_dir] = (ws / "experiments").iterdir()
    assert xp_dir.name.startswith("custom-") and xp_dir.name == report.split("xp=")[1]


def test_pre_experiment_as_module(tmp_path):
    yaml_file = _custom(tmp_path, """\
        id: custom
        file: run_it
        pythonpath: [lib, .]
        pre_experiment: pre
        report: report.txt
    """)
    result = xpm("run-experiment", "--workdir", tmp_path / "ws", yaml_file, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    assert (tmp_path / "report.txt").read_text() == "pre=yes xp=custom"


def test_workspace_from_settings_and_xpm_config_dir(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    config = tmp_path / "config"
    config.mkdir()
    ws = tmp_path / "main-ws"
    (config / "settings.yaml").write_text(
        f"workspaces:\n  - id: main\n    path: {ws}\n  - id: other\n    path: {tmp_path / 'o'}\n")
    result = xpm("run-experiment", "--xpm-config-dir", config, "--workspace", "main",
                 "-c", "values=[3]", yaml_file, cwd=tmp_path, config_dir=tmp_path / "none")
    assert result.returncode == 0, out(result)
    assert len(jobs_json(ws)) == 1
    listed = xpm("workspaces", "list", cwd=tmp_path, config_dir=config)
    assert listed.returncode == 0, out(listed)
    assert "main" in listed.stdout and str(ws) in listed.stdout and "default" in listed.stdout
    data = json.loads(xpm("workspaces", "list", "--json", cwd=tmp_path, config_dir=config).stdout)
    assert [w["id"] for w in data] == ["main", "other"]
    assert [w["exists"] for w in data] == [True, False]
    unknown = xpm("run-experiment", "--xpm-config-dir", config, "--workspace", "nope",
                  yaml_file, cwd=tmp_path)
    assert unknown.returncode != 0
    assert "no workspace with id 'nope'" in unknown.stderr and "main, other" in unknown.stderr


def test_no_workspace_is_an_error(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    result = xpm("run-experiment", yaml_file, cwd=tmp_path)
    assert result.returncode == 2, out(result)
    assert "no workspace: give --workdir" in result.stderr


HELPER_EXPERIMENT = '''
from pathlib import Path
from experimaestro.experiments import ConfigurationBase, ExperimentHelper, configuration


class ArgsHelper(ExperimentHelper):
    def run(self, args, configuration):
        Path("args.txt").write_text(" ".join(args))
        return self.callable(self, configuration)


@configuration()
class Settings(ConfigurationBase):
    pass


@ArgsHelper.decorator
def run(helper: ExperimentHelper, cfg: Settings):
    Path("ran.txt").write_text(cfg.id)
'''


def test_helper_gets_extra_arguments(tmp_path):
    (tmp_path / "experiment.py").write_text(HELPER_EXPERIMENT)
    (tmp_path / "xp.yaml").write_text("id: helped\n")
    result = xpm("run-experiment", "--workdir", tmp_path / "ws", "xp.yaml", "--lr", "3",
                 "extra", cwd=tmp_path)
    assert result.returncode == 0, out(result)
    assert (tmp_path / "args.txt").read_text() == "--lr 3 extra"
    assert (tmp_path / "ran.txt").read_text() == "helped"


def test_plain_run_refuses_extra_arguments(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    result = xpm("run-experiment", "--workdir", tmp_path / "ws", yaml_file, "extra",
                 cwd=tmp_path)
    assert result.returncode != 0
    assert "unexpected extra arguments 'extra'" in result.stderr


def _git(folder: Path, *args):
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args],
                   cwd=folder, check=True, capture_output=True)


@pytest.mark.parametrize("action", ["ignore", "warn", "error"])
def test_dirty_git(tmp_path, action):
    folder = tmp_path / "xp"
    yaml_file = copy_example(folder)
    _git(folder, "init", "-q")
    _git(folder, "add", ".")
    _git(folder, "commit", "-q", "-m", "initial")
    # Committed: no message whatever the action
    clean = xpm("run-experiment", "--workdir", tmp_path / "ws", "-c", f"dirty_git={action}",
                "--run-mode", "dry-run", yaml_file, cwd=tmp_path)
    assert clean.returncode == 0, out(clean)
    assert "uncommitted" not in clean.stderr
    with open(folder / "experiment.py", "a") as f:
        f.write("\n# changed\n")
    result = xpm("run-experiment", "--workdir", tmp_path / "ws", "-c", f"dirty_git={action}",
                 "--run-mode", "dry-run", yaml_file, cwd=tmp_path)
    if action == "ignore":
        assert result.returncode == 0, out(result)
        assert "uncommitted" not in result.stderr
    elif action == "warn":
        assert result.returncode == 0, out(result)
        assert "Warning: the git repository" in result.stderr
        assert "experiment.py" in result.stderr
    else:
        assert result.returncode == 1, out(result)
        assert "uncommitted changes (experiment.py)" in result.stderr
        assert "[dry-run]" not in result.stdout


def test_ctrl_c_exits_non_zero(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    release = tmp_path / "release"
    driver = start_xpm("run-experiment", "--workdir", ws, "-c", "values=[1]",
                       "-c", f"wait_for={release}", yaml_file, cwd=tmp_path)
    try:
        wait_for(lambda: any(j["state"] == "running" for j in jobs_json(ws, cwd=tmp_path))
                 if (ws / "jobs").exists() else False, what="the job to start")
        driver.send_signal(signal.SIGINT)
        stdout, stderr = driver.communicate(timeout=120)
        assert driver.returncode == 130, stderr
        assert "Interrupted" in stderr and "Traceback" not in stderr
    finally:
        release.touch()
        if driver.poll() is None:
            driver.kill()
            driver.communicate()
    # The job goes on after the driver is gone, and ends done
    wait_for(lambda: jobs_json(ws, cwd=tmp_path)[0]["state"] == "done", what="the job to end")
