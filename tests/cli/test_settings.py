"""settings.yaml seen from the command line: `triggers` choose the workspace of
run-experiment, `env` reaches the jobs, bad settings stop with the place to fix."""

import json
import re
import textwrap
from pathlib import Path

import pytest

from .helpers import out, xpm

TASKS = '''
import json
import os
from pathlib import Path

from experimaestro import Param, Task


class EnvReport(Task):
    names: Param[list]

    def execute(self):
        Path("env.json").write_text(json.dumps({n: os.environ.get(n) for n in self.names}))
'''

EXPERIMENT = '''
from experimaestro.experiments import ConfigurationBase, ExperimentHelper, configuration

from tasks import EnvReport


@configuration()
class Configuration(ConfigurationBase):
    names: list = []


def run(helper: ExperimentHelper, cfg: Configuration):
    EnvReport.C(names=cfg.names).submit()
'''

NAMES = ["XPM_T_TOP", "XPM_T_WS", "XPM_T_SHARED", "XPM_T_CLI"]


@pytest.fixture
def project(tmp_path):
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "tasks.py").write_text(TASKS)
    (folder / "experiment.py").write_text(EXPERIMENT)
    return folder


def experiment_file(project: Path, xp_id: str, **extra) -> Path:
    path = project / f"{xp_id}.yaml"
    lines = [f"id: {xp_id}", "file: experiment", "dirty_git: ignore", f"names: {NAMES}"]
    path.write_text("\n".join(lines + [f"{k}: {v}" for k, v in extra.items()]) + "\n")
    return path


def write_settings(tmp_path, text):
    path = tmp_path / "config" / "settings.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(textwrap.dedent(text).replace("{root}", str(tmp_path)))
    return path


def run(tmp_path, *args):
    return xpm("run-experiment", *args, cwd=tmp_path, config_dir=tmp_path / "config")


def job_env(workspace: Path) -> dict:
    [found] = workspace.glob("jobs/tasks.envreport/*/env.json")
    return json.loads(found.read_text())


SETTINGS = """\
    env: {XPM_T_TOP: top, XPM_T_SHARED: from-top}
    workspaces:
      - id: main
        path: {root}/main
        env: {XPM_T_WS: main, XPM_T_SHARED: from-main}
      - id: ir
        path: {root}/ir
        env: {XPM_T_WS: ir}
        triggers: ["neuralir-*"]
"""


def test_a_trigger_chooses_the_workspace_and_says_so(tmp_path, project):
    settings = write_settings(tmp_path, SETTINGS)
    result = run(tmp_path, "--env", "XPM_T_CLI", "cli", experiment_file(project, "neuralir-1"))
    assert result.returncode == 0, out(result)
    assert f"Workspace ir ({tmp_path / 'ir'}): its trigger 'neuralir-*' ({settings}:9)" \
           " matches the experiment id 'neuralir-1'" in result.stderr
    assert (tmp_path / "ir" / "experiments" / "neuralir-1").is_dir()
    assert job_env(tmp_path / "ir") == {"XPM_T_TOP": "top", "XPM_T_WS": "ir",
                                        "XPM_T_SHARED": "from-top", "XPM_T_CLI": "cli"}


def test_without_a_match_the_first_workspace(tmp_path, project):
    write_settings(tmp_path, SETTINGS)
    result = run(tmp_path, experiment_file(project, "other"))
    assert result.returncode == 0, out(result)
    assert "trigger" not in result.stderr
    assert job_env(tmp_path / "main") == {"XPM_T_TOP": "top", "XPM_T_WS": "main",
                                          "XPM_T_SHARED": "from-main", "XPM_T_CLI": None}


def test_workdir_and_workspace(tmp_path, project):
    write_settings(tmp_path, SETTINGS)
    # --workdir: no trigger, no settings of a workspace; the top-level env applies
    result = run(tmp_path, "--workdir", tmp_path / "wd", experiment_file(project, "neuralir-2"))
    assert result.returncode == 0, out(result)
    assert job_env(tmp_path / "wd") == {"XPM_T_TOP": "top", "XPM_T_WS": None,
                                        "XPM_T_SHARED": "from-top", "XPM_T_CLI": None}
    # both (as 2.x): the workspace's settings, in the folder of --workdir
    result = run(tmp_path, "--workspace", "main", "--workdir", tmp_path / "moved",
                 experiment_file(project, "neuralir-3"))
    assert result.returncode == 0, out(result)
    assert job_env(tmp_path / "moved")["XPM_T_WS"] == "main"
    assert not (tmp_path / "main").exists() and not (tmp_path / "ir").exists()


def test_the_timestamped_id_is_the_one_triggers_see(tmp_path, project):
    write_settings(tmp_path, """\
        workspaces:
          - {id: main, path: "{root}/main"}
          - {id: stamped, path: "{root}/stamped", triggers: ["stamped-20??????-????"]}
    """)
    result = run(tmp_path, experiment_file(project, "stamped", add_timestamp="true"))
    assert result.returncode == 0, out(result)
    [folder] = (tmp_path / "stamped" / "experiments").iterdir()
    assert re.fullmatch(r"stamped-\d{8}-\d{4}", folder.name)  # 2.7.0's format


def test_bad_settings_stop_with_the_place_to_fix(tmp_path, project):
    settings = write_settings(tmp_path, """\
        workspaces:
          - id: main
            path: {root}/main
            history: {max_done: all}
    """)
    result = run(tmp_path, experiment_file(project, "xp"))
    assert result.returncode == 2, out(result)
    assert f"{settings}:4: workspaces[0].history.max_done: expected a whole number >= 0," \
           " got 'all'" in result.stderr
    assert not (tmp_path / "main").exists()


def test_a_workspace_needing_a_2x_feature_not_provided(tmp_path, project):
    settings = write_settings(tmp_path, """\
        workspaces:
          - id: main
            path: {root}/main
            alt_workspaces: [old]
    """)
    result = run(tmp_path, experiment_file(project, "xp"))
    assert result.returncode == 2, out(result)
    assert "workspace 'main' cannot be used here" in result.stderr
    assert f"{settings}:4: alt_workspaces: looking up" in result.stderr
    assert not (tmp_path / "main").exists()


def test_an_unknown_key_is_a_warning_and_the_run_goes_on(tmp_path, project):
    settings = write_settings(tmp_path, """\
        workspaces:
          - id: main
            path: {root}/main
            trigger: ["xp*"]
    """)
    result = run(tmp_path, experiment_file(project, "xp"))
    assert result.returncode == 0, out(result)
    assert result.stderr.count("unknown key") == 1
    assert f"{settings}:4: workspaces[0].trigger: unknown key, ignored as experimaestro 2.x" \
           " does; did you mean `triggers`?" in result.stderr


def test_workspaces_list_shows_triggers_and_remote_workspaces(tmp_path):
    write_settings(tmp_path, """\
        workspaces:
          - {id: cluster, path: /remote/xp, ssh: {host: me@cluster}}
          - {id: ir, path: "{root}/ir", triggers: ["neuralir-*", "ir-*"]}
    """)
    result = xpm("workspaces", "list", cwd=tmp_path, config_dir=tmp_path / "config")
    assert result.returncode == 0, out(result)
    assert result.stdout.splitlines() == [
        "cluster  /remote/xp  (remote)",
        f"ir       {tmp_path / 'ir'}  (default, missing, triggers: neuralir-*, ir-*)",
    ]
