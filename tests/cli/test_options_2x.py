"""2.x's options that are about monitoring: a 2.x command line keeps working, and each
option either works (--no-db, --watcher, --polling-interval) or says in one warning that it
has no effect — never silently ignored."""

import asyncio
import logging

import pytest

from experimaestro import experiment
from experimaestro.launchers.follow import MarkerEvents, poll_bounds

from .helpers import copy_example, jobs_json, out, xpm

NO_EFFECT = ["--events-viewer", "--no-progress"]


def test_a_2x_command_line_runs_and_names_what_has_no_effect(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    ws = tmp_path / "ws"
    result = xpm("run-experiment", "--workdir", ws, "--no-db", *NO_EFFECT,
                 "--events-format", "json", "--watcher", "polling", "--polling-interval",
                 "0.2", yaml_file, cwd=tmp_path)
    assert result.returncode == 0, out(result)
    assert len(jobs_json(ws)) == 4
    warnings = [line for line in result.stderr.splitlines() if line.startswith("Warning:")]
    for option in NO_EFFECT + ["--events-format json"]:
        assert sum(line.startswith(f"Warning: {option}:") for line in warnings) == 1, \
            (option, warnings)
    assert all("has no effect" in line for line in warnings)
    assert not any("--no-db" in line or "--watcher" in line for line in warnings)


def test_polling_interval_needs_the_polling_watcher(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    result = xpm("run-experiment", "--workdir", tmp_path / "ws", "--watcher", "inotify",
                 "--polling-interval", "2", yaml_file, cwd=tmp_path)
    assert result.returncode == 2
    assert "--polling-interval is for --watcher polling (not --watcher inotify)" in \
        result.stderr


def _observer(monkeypatch, watcher, interval=None):
    monkeypatch.setenv("XPM_WATCHER", watcher)
    if interval is not None:
        monkeypatch.setenv("XPM_POLLING_INTERVAL", interval)
    loop = asyncio.new_event_loop()
    try:
        events = MarkerEvents(loop)
        events.stop()
        return events.observer
    finally:
        loop.close()


def test_the_watcher_decides_how_job_folders_are_watched(monkeypatch, caplog):
    assert _observer(monkeypatch, "polling", "0.3") is None
    assert poll_bounds() == (0.3, 0.3)
    monkeypatch.delenv("XPM_POLLING_INTERVAL")
    assert type(_observer(monkeypatch, "inotify")).__name__ == "InotifyObserver"
    with caplog.at_level(logging.WARNING, logger="xpm.launchers"):
        assert _observer(monkeypatch, "windows") is None  # not on this platform
    assert "file events unavailable" in caplog.text and "polling job folders" in caplog.text


def test_experiment_arguments_without_effect_say_so(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="xpm"):
        # (the web monitor's arguments without port=: no monitor to apply them to)
        with experiment(tmp_path, "quiet", host="0.0.0.0", token="secret",
                        no_environmental_impact=True, wait_for_quit=True):
            pass
    lines = [r.getMessage() for r in caplog.records]
    for name in ("host='0.0.0.0'", "token='secret'", "no_environmental_impact=True",
                 "wait_for_quit=True"):
        assert sum(f"experiment({name})" in line for line in lines) == 1, (name, lines)
    assert all("no effect" in line for line in lines if line.startswith("experiment("))
    assert any("needs port= too" in line for line in lines)


def test_run_experiment_host_needs_the_web_monitor(tmp_path):
    yaml_file = copy_example(tmp_path / "xp")
    result = xpm("run-experiment", "--workdir", tmp_path / "ws", "--host", "0.0.0.0",
                 yaml_file, cwd=tmp_path)
    assert result.returncode == 2
    assert "--host is the web monitor's address: add --web or --port" in result.stderr


@pytest.mark.parametrize("value", [None, False])
def test_defaults_say_nothing(tmp_path, caplog, value):
    with caplog.at_level(logging.WARNING, logger="xpm"):
        with experiment(tmp_path, "quiet", port=value, wait_for_quit=False):
            pass
    assert not [r for r in caplog.records if "no effect" in r.getMessage()]


LOGGING_XP = '''
import logging

from experimaestro.experiments import ConfigurationBase, ExperimentHelper


def run(helper: ExperimentHelper, cfg: ConfigurationBase):
    logging.getLogger("myxp").info("hello from the experiment")
    logging.getLogger("myxp.detail").debug("a detail")
    if helper.xp.name == "fails":
        raise ValueError("the experiment fails")
'''


def _logging_project(tmp_path, name="logs"):
    folder = tmp_path / "project"
    folder.mkdir(exist_ok=True)
    (folder / "experiment.py").write_text(LOGGING_XP)
    yaml_file = folder / f"{name}.yaml"
    yaml_file.write_text(f"id: {name}\nfile: experiment\n")
    return yaml_file


def test_info_lines_of_the_experiment_are_shown_as_in_2x(tmp_path):
    yaml_file = _logging_project(tmp_path)
    ws = tmp_path / "ws"
    shown = xpm("run-experiment", "--workdir", ws, yaml_file, cwd=tmp_path)
    assert shown.returncode == 0, out(shown)
    assert "INFO:myxp:hello from the experiment" in shown.stderr
    assert "a detail" not in shown.stderr
    quiet = xpm("--quiet", "run-experiment", "--workdir", ws, yaml_file, cwd=tmp_path)
    assert quiet.returncode == 0, out(quiet)
    assert "hello from the experiment" not in quiet.stderr
    detailed = xpm("--logging", "myxp.detail=DEBUG", "run-experiment", "--workdir", ws,
                   yaml_file, cwd=tmp_path)
    assert "DEBUG:myxp.detail:a detail" in detailed.stderr, out(detailed)


def test_bad_logging_levels_are_refused(tmp_path):
    result = xpm("--logging", "xpm=LOUD", "jobs", "list", "--workdir", tmp_path,
                 cwd=tmp_path)
    assert result.returncode == 2
    assert "'xpm=LOUD': expected LOGGER=LEVEL, LEVEL one of DEBUG, INFO" in result.stderr


def test_traceback_shows_where_the_experiment_failed(tmp_path):
    yaml_file = _logging_project(tmp_path, "fails")
    ws = tmp_path / "ws"
    plain = xpm("run-experiment", "--workdir", ws, yaml_file, cwd=tmp_path)
    assert plain.returncode == 1 and "Traceback" not in plain.stderr
    assert "ValueError" in plain.stderr and "the experiment fails" in plain.stderr
    traced = xpm("--traceback", "run-experiment", "--workdir", ws, yaml_file, cwd=tmp_path)
    assert traced.returncode != 0 and "Traceback" in traced.stderr, out(traced)
    assert 'experiment.py", line' in traced.stderr
    assert "DEBUG:" not in traced.stderr  # (tracebacks, not debug logs)
