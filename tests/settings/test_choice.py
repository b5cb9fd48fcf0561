"""Which workspace an experiment uses: --workspace, else --workdir, else the triggers of
the settings, else the first (local) workspace — 2.x's order."""

import textwrap

import pytest

from experimaestro.settings import SettingsError, choose_workspace, find_workspace, \
    get_settings, get_workspace, get_workspace_by_path

SETTINGS = """\
    env: {G: top}
    workspaces:
      - id: remote
        path: /remote/xp
        ssh: {host: me@cluster}
        triggers: ["*"]
      - id: main
        path: {root}/main
        env: {W: main}
      - id: ir
        path: {root}/ir
        triggers: ["neuralir-*", "ir-experiment"]
      - id: ir2
        path: {root}/ir2
        triggers: ["neuralir-?"]
"""


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("XPM_CONFIG_DIR", str(tmp_path / "config"))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "settings.yaml").write_text(
        textwrap.dedent(SETTINGS).replace("{root}", str(tmp_path)))
    return get_settings()


def test_the_first_matching_trigger_chooses(settings, tmp_path):
    ws, why = choose_workspace(experiment_id="neuralir-1")
    assert ws.id == "ir"  # ir2 matches too, but comes later
    assert why.startswith("its trigger 'neuralir-*'") and "'neuralir-1'" in why
    assert find_workspace(experiment_id="ir-experiment").id == "ir"
    # glob patterns match the whole id, with case
    assert find_workspace(experiment_id="my-ir-experiment").id == "main"
    assert find_workspace(experiment_id="NEURALIR-1").id == "main"


def test_without_a_match_the_first_local_workspace(settings):
    # the remote workspace comes first and matches everything, but is never chosen
    ws, why = choose_workspace(experiment_id="other")
    assert ws.id == "main" and why.startswith("the first workspace of")
    assert find_workspace().id == "main"
    assert get_workspace().id == "main"
    assert get_workspace(include_remote=True).id == "remote"


def test_explicit_choices_win_over_triggers(settings, tmp_path):
    assert find_workspace(workspace="main", experiment_id="neuralir-1").id == "main"
    ws = find_workspace(workdir=tmp_path / "elsewhere", experiment_id="neuralir-1")
    assert ws.path == tmp_path / "elsewhere" and ws.env == {}
    # a folder is a workspace without settings of its own, even a folder of the settings
    assert find_workspace(workdir=tmp_path / "main").env == {}


def test_workspace_and_workdir_keep_the_settings_of_the_workspace(settings, tmp_path):
    ws = find_workspace(workspace="main", workdir=tmp_path / "moved")
    assert (ws.id, ws.path, ws.env) == ("main", tmp_path / "moved", {"W": "main"})
    # the shared settings are not changed
    assert get_settings().workspace("main").path == tmp_path / "main"
    assert get_workspace_by_path(tmp_path / "main").id == "main"
    assert get_workspace_by_path(tmp_path / "moved") is None


def test_errors_name_the_file_and_the_way_out(settings, tmp_path):
    source = tmp_path / "config" / "settings.yaml"
    with pytest.raises(SettingsError) as info:
        find_workspace(workspace="nope")
    assert str(info.value) == f"no workspace with id 'nope' in {source}; known: remote," \
                              " main, ir, ir2"
    with pytest.raises(SettingsError) as info:
        find_workspace(workspace="remote")
    assert f"{source}:5: ssh: it is a remote workspace" in str(info.value)


def test_no_local_workspace(tmp_path, monkeypatch):
    monkeypatch.setenv("XPM_CONFIG_DIR", str(tmp_path))
    (tmp_path / "settings.yaml").write_text("workspaces:\n  - {id: r, path: /r, ssh: {host: h}}\n")
    with pytest.raises(SettingsError, match="no workspace: give --workdir PATH, or"
                                            " --workspace ID .* \\(remote workspaces are"
                                            " never the default\\)"):
        find_workspace(experiment_id="x")
