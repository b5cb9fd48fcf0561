"""The environment of the jobs from the settings (as 2.x): the top-level `env` for every
experiment, then the workspace's `env` when the experiment uses a workspace of the
settings, then xp.setenv."""

import pytest

from experimaestro import experiment
from experimaestro.settings import SettingsError, WorkspaceSettings, get_settings
from xpm_fixtures.tasks import Env

NAMES = ["XPM_T_TOP", "XPM_T_WS", "XPM_T_SHARED", "XPM_T_XP"]


@pytest.fixture
def settings(tmp_path, monkeypatch):
    config = tmp_path / "config"
    config.mkdir()
    monkeypatch.setenv("XPM_CONFIG_DIR", str(config))
    (config / "settings.yaml").write_text(f"""\
env: {{XPM_T_TOP: top, XPM_T_SHARED: from-top, XPM_T_XP: from-top}}
workspaces:
  - id: main
    path: {tmp_path / 'main'}
    env: {{XPM_T_WS: main, XPM_T_SHARED: from-main}}
  - id: backed-up
    path: {tmp_path / 'other'}
    folders: [{{path: /backup, mode: backup}}]
""")
    return get_settings()


def job_env(ws, name="xp", setenv=None) -> dict:
    with experiment(ws, name) as xp:
        for key, value in (setenv or {}).items():
            xp.setenv(key, value)
        task = Env.C(names=NAMES)
        task.submit()
    text = (task.__xpm__.job.path / "env.txt").read_text()
    return dict(line.split("=", 1) for line in text.splitlines())


def test_a_workspace_of_the_settings(settings):
    assert job_env(settings.workspace("main"), setenv={"XPM_T_XP": "xp"}) == {
        "XPM_T_TOP": "top", "XPM_T_WS": "main", "XPM_T_SHARED": "from-main",
        "XPM_T_XP": "xp"}


def test_a_folder_gets_the_top_level_env_only(settings, tmp_path):
    # even the folder of a workspace of the settings (2.x does not look it up)
    assert job_env(tmp_path / "main", name="folder") == {
        "XPM_T_TOP": "top", "XPM_T_WS": "<unset>", "XPM_T_SHARED": "from-top",
        "XPM_T_XP": "from-top"}


def test_a_workspace_built_in_python_gets_the_top_level_env_too(settings, tmp_path):
    ws = WorkspaceSettings("py", path=tmp_path / "py", env={"XPM_T_WS": "py"})
    assert job_env(ws) == {"XPM_T_TOP": "top", "XPM_T_WS": "py",
                           "XPM_T_SHARED": "from-top", "XPM_T_XP": "from-top"}


def test_a_workspace_needing_what_is_not_provided_is_refused(settings, tmp_path):
    with pytest.raises(SettingsError, match="folders: looking up, backing up or moving"
                                            " jobs in other folders is not provided"):
        experiment(settings.workspace("backed-up"), "xp")
    assert not (tmp_path / "other").exists()


def test_an_invalid_settings_file_stops_the_experiment(settings, tmp_path):
    (tmp_path / "config" / "settings.yaml").write_text("env: [a]\n")
    with pytest.raises(SettingsError, match="settings.yaml:1: env: expected a mapping"):
        experiment(tmp_path / "ws", "xp")
