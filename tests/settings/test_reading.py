"""settings.yaml: every key read and checked; errors and warnings name the file, the line
and the key path."""

import logging
import os
import textwrap
from pathlib import Path

import pytest

from experimaestro.settings import (HistorySettings, Settings, SettingsError,
                                    WorkspaceSettings, get_settings)


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "settings.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def warnings_of(caplog):
    return [r.getMessage() for r in caplog.records
            if r.name == "xpm.settings" and r.levelno == logging.WARNING]


def test_every_key_of_2x_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("XPM_TEST_ROOT", str(tmp_path / "root"))
    path = write(tmp_path, """\
        env: {JAVA_HOME: /opt/java, THREADS: 4, DEBUG: true}
        history: {max_done: 3, max_failed: 2}
        workspaces:
          - id: neuralir
            path: ${env:XPM_TEST_ROOT}/ir
            env: {HF_HOME: /data/hf}
            triggers: ["neuralir-*", "ir-experiment"]
            history: {max_failed: 0}
            max_retries: 5
            lock_mode: umask
          - id: other
            path: ~/experiments/other
    """)
    settings = get_settings(path)
    assert settings.env == {"JAVA_HOME": "/opt/java", "THREADS": "4", "DEBUG": "True"}
    assert settings.history == HistorySettings(max_done=3, max_failed=2)
    ir, other = settings.workspaces
    assert (ir.id, ir.path) == ("neuralir", tmp_path / "root" / "ir")
    assert ir.env == {"HF_HOME": "/data/hf"}
    assert ir.triggers == ["neuralir-*", "ir-experiment"]
    # a workspace's history overrides the top-level one key by key
    assert ir.history == HistorySettings(max_done=3, max_failed=0)
    assert ir.max_retries == 5 and ir.lock_mode == "umask"
    assert other.path == Path.home() / "experiments" / "other"
    assert other.history is None and settings.history_for(other) == settings.history
    ir.ensure_supported()


def test_wrong_values_are_all_reported_with_file_line_and_key(tmp_path):
    path = write(tmp_path, """\
        env:
          EMPTY:
        history:
          max_done: many
        workspaces:
          - id: main
            path: /tmp/main
            triggers: "main-*"
          - path: /tmp/other
          - id: third
            path: /tmp/third
            max_retries: -1
    """)
    with pytest.raises(SettingsError) as info:
        get_settings(path)
    message = str(info.value)
    assert f"{path}:2: env.EMPTY: expected a string, got nothing; write '' for an empty" \
           " value" in message
    assert f"{path}:4: history.max_done: expected a whole number >= 0, got 'many'" in message
    assert f"{path}:8: workspaces[0].triggers: expected a list, got 'main-*'" in message
    assert f"{path}:9: workspaces[1]: `id` is missing" in message
    assert f"{path}:12: workspaces[2].max_retries: expected a whole number >= 0, got -1" \
           in message


def test_yaml_syntax_and_top_level_errors(tmp_path):
    path = write(tmp_path, "workspaces:\n  - id: a\n   path: b\n")
    with pytest.raises(SettingsError, match=rf"{path}:3:\d+: invalid YAML"):
        get_settings(path)
    path.write_text("- a\n- b\n")
    with pytest.raises(SettingsError, match="expected a mapping at the top level"):
        get_settings(path)


def test_an_unknown_key_is_one_warning_with_file_line_and_suggestion(tmp_path, caplog):
    path = write(tmp_path, """\
        workspaces:
          - id: main
            path: /tmp/main
            trigers: ["main-*"]
        histroy: {max_done: 1}
    """)
    caplog.set_level(logging.WARNING, "xpm.settings")
    settings = get_settings(path)
    assert settings.workspaces[0].triggers == []
    assert warnings_of(caplog) == [
        f"{path}:4: workspaces[0].trigers: unknown key, ignored as experimaestro 2.x does;"
        " did you mean `triggers`?",
        f"{path}:5: histroy: unknown key, ignored as experimaestro 2.x does; did you mean"
        " `history`?",
    ]
    # read once per change of the file: the warnings are not repeated...
    caplog.clear()
    assert get_settings(path) is settings
    assert warnings_of(caplog) == []
    # ...but a new content is read (and checked) again
    path.write_text(path.read_text().replace("trigers", "triggers") + "\n")
    assert get_settings(path).workspaces[0].triggers == ["main-*"]
    assert len(warnings_of(caplog)) == 1


def test_a_misspelled_required_key_shows_the_error_and_the_hint(tmp_path):
    path = write(tmp_path, "workspaces:\n  - id: main\n    paht: /tmp/main\n")
    with pytest.raises(SettingsError) as info:
        get_settings(path)
    assert f"{path}:2: workspaces[0]: `path` is missing" in str(info.value)
    assert "did you mean `path`?" in str(info.value)


def test_keys_without_effect_here_are_said_so(tmp_path, caplog):
    caplog.set_level(logging.WARNING, "xpm.settings")
    path = write(tmp_path, """\
        server: {port: 12345, token: abc, autohost: ip}
        carbon: {country_iso_code: FRA}
    """)
    settings = get_settings(path)
    assert settings.server.port == 12345 and settings.carbon.country_iso_code == "FRA"
    found = warnings_of(caplog)
    assert len(found) == 2
    # (server: the web monitor's defaults; an autohost it does not know has no effect)
    assert found[0].startswith(f"{path}:1: server.autohost: 'ip' is not a kind of host"
                               " name") and "no effect" in found[0]
    assert found[1].startswith(f"{path}:2: carbon: carbon tracking (CodeCarbon) is not"
                               " provided here")
    # carbon disabled is what happens here: nothing to say
    caplog.clear()
    path.write_text("carbon: {enabled: false}\n")
    assert get_settings(path).carbon.enabled is False
    assert warnings_of(caplog) == []


def test_unset_variables_duplicate_keys_and_ids_are_warnings(tmp_path, caplog, monkeypatch):
    monkeypatch.delenv("XPM_TEST_UNSET", raising=False)
    caplog.set_level(logging.WARNING, "xpm.settings")
    path = write(tmp_path, """\
        env: {A: x, A: y}
        workspaces:
          - id: main
            path: ${env:XPM_TEST_UNSET}/ws
          - id: main
            path: /tmp/second
    """)
    settings = get_settings(path)
    assert settings.env == {"A": "y"}
    assert str(settings.workspaces[0].path) == "${env:XPM_TEST_UNSET}/ws"  # as 2.x
    assert warnings_of(caplog) == [
        f"{path}:1: env.A: given twice (first at line 1); the last value is used",
        f"{path}:4: workspaces[0].path: ${{env:XPM_TEST_UNSET}}: the environment variable"
        " is not set; the text is kept as written",
        f"{path}:5: workspaces[1].id: the id 'main' is already used by workspaces[0];"
        " `--workspace main` chooses that first one",
    ]


@pytest.mark.parametrize("key, value, message", [
    ("ssh", "{host: me@cluster}", "ssh: it is a remote workspace"),
    ("folders", "[{path: /backup, mode: backup}]", "folders: looking up, backing up"),
    ("alt_workspaces", "[other]", "alt_workspaces: looking up, backing up"),
    ("lock_mode", "inherit", "lock_mode: 'inherit' is not provided here"),
])
def test_2x_features_not_provided_are_refused_when_the_workspace_is_used(
        tmp_path, key, value, message):
    path = write(tmp_path, f"workspaces:\n  - id: main\n    path: /tmp/main\n"
                           f"    {key}: {value}\n")
    [ws] = get_settings(path).workspaces  # the file itself is valid
    with pytest.raises(SettingsError) as info:
        ws.ensure_supported()
    assert "workspace 'main' cannot be used here" in str(info.value)
    assert f"{path}:4: {message}" in str(info.value)


def test_no_file_means_empty_settings(tmp_path):
    assert get_settings(tmp_path / "absent.yaml") == Settings()


def test_the_classes_are_built_as_in_2x(tmp_path):
    ws = WorkspaceSettings("test", path=tmp_path)
    assert (ws.id, ws.path, ws.env, ws.triggers, ws.max_retries) == \
        ("test", tmp_path, {}, [], 3)
    assert Settings().history == HistorySettings(max_done=5, max_failed=1)
    assert not ws.is_remote
    ws.ensure_supported()


def test_the_settings_file_is_in_the_configuration_folder(tmp_path, monkeypatch):
    from experimaestro.settings import config_dir, settings_file

    monkeypatch.setenv("XPM_CONFIG_DIR", str(tmp_path / "conf"))
    assert settings_file() == tmp_path / "conf" / "settings.yaml"
    monkeypatch.delenv("XPM_CONFIG_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_dir() == tmp_path / "xdg" / "experimaestro"
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert config_dir() == tmp_path / "home" / ".config" / "experimaestro"
    assert os.environ["HOME"] == str(tmp_path / "home")
