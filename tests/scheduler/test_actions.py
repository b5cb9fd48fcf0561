"""Actions: recorded by an experiment (actions.jsonl), listed and run later."""

import pytest
from click.testing import CliRunner

from experimaestro import ExperimentInfo, experiment, load_xp_info
from experimaestro.actions import CLIInteraction
from experimaestro.cli import cli
from experimaestro.scheduler.workspace import RunMode
from xpm_fixtures.tasks import Add, Publish


def _run(tmp_path, run_mode=RunMode.NORMAL):
    with experiment(tmp_path / "ws", "train", run_mode=run_mode) as xp:
        task = Add.C(x=4)
        task.submit()
        action = Publish.C(source=task, result=task.jobpath / "result.txt")
        action_id = xp.add_action(action)
        assert xp.add_action(action) == action_id  # once
        assert xp.actions == {action_id: action}
    return xp, task, action_id


def test_load_xp_info_reads_the_jobs_and_actions_of_a_run(tmp_path):
    xp, task, action_id = _run(tmp_path)
    info = load_xp_info(xp.run_path)
    assert isinstance(info, ExperimentInfo)
    assert list(info.jobs) == [task.__xpm__.job.identifier]
    job_cfg = info.jobs[task.__xpm__.job.identifier]
    assert job_cfg.__identifier__() == task.__identifier__()
    action = info.actions[action_id]
    assert action.describe() == "publish the result of Add(x=4)"
    assert action.__identifier__().hex() == action_id
    # through the `current` link too
    assert list(load_xp_info(tmp_path / "ws" / "experiments" / "train" / "current").actions) \
        == [action_id]


def test_load_xp_info_of_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(FileNotFoundError, match="not an experiment run folder"):
        load_xp_info(tmp_path)


def test_dry_run_records_no_action(tmp_path):
    xp, _, _ = _run(tmp_path, RunMode.DRY_RUN)
    assert xp.run_path is None or not (xp.run_path / "actions.jsonl").exists()


def test_add_action_refuses_other_configurations(tmp_path):
    with experiment(tmp_path / "ws", "train") as xp:
        with pytest.raises(TypeError, match="add_action: expected an experimaestro.Action"):
            xp.add_action(Add.C(x=1))


def test_cli_lists_and_runs_an_action_with_prefilled_answers(tmp_path):
    _, _, action_id = _run(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    runner = CliRunner()
    ws = ["actions", "--workdir", str(tmp_path / "ws")]
    listed = runner.invoke(cli, [*ws, "list", "train"])
    assert listed.exit_code == 0, listed.output
    assert listed.output == f"{action_id[:12]}  publish the result of Add(x=4)\n"
    ran = runner.invoke(cli, [*ws, "run", "--set", f"folder={out}", "--set", "format=md",
                              "--set", "confirm=yes"])
    assert ran.exit_code == 0, ran.output
    assert (out / "published.md").read_text() == "4"


def test_cli_asks_the_questions_not_answered(tmp_path):
    _run(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    ran = CliRunner().invoke(cli, ["actions", "--workdir", str(tmp_path / "ws"), "run",
                                   "train", "--set", "format=txt"],
                             input=f"{out}\ny\n")
    assert ran.exit_code == 0, ran.output
    assert "Where to publish? (--set folder=...)" in ran.output
    assert (out / "published.txt").read_text() == "4"


def test_cli_errors(tmp_path):
    _run(tmp_path)
    runner = CliRunner()
    ws = ["actions", "--workdir", str(tmp_path / "ws")]
    bad = runner.invoke(cli, [*ws, "run", "train", "--set", "format=pdf", "--set", "folder=x"])
    assert bad.exit_code == 2
    assert "'pdf' is not one of 'txt', 'md'" in bad.output
    unknown = runner.invoke(cli, [*ws, "run", "train", "ffff"])
    assert unknown.exit_code == 2 and "no action matches ffff; the actions are:" in unknown.output
    missing = runner.invoke(cli, [*ws, "list", "nope"])
    assert missing.exit_code == 2 and "no run of the experiment 'nope'" in missing.output


def test_cli_interaction_checkbox_answers():
    assert CLIInteraction({"a": "Yes"}).checkbox("a", "?") is True
    assert CLIInteraction({"a": "off"}).checkbox("a", "?") is False
    with pytest.raises(Exception, match="'maybe' is not a yes/no answer"):
        CLIInteraction({"a": "maybe"}).checkbox("a", "?")


def test_submit_hook_returns_the_output_and_can_add_actions(tmp_path):
    """A task class may define __submit__(dep, add_action) instead of task_outputs (2.x):
    what it returns is what submit() returns; add_action is the experiment's (None outside
    of an experiment)."""
    from experimaestro import Param, Task
    from xpm_fixtures.tasks import Note, Value

    seen = []

    class Announce(Task):
        x: Param[int]

        def execute(self):
            pass

        def __submit__(self, dep, add_action):
            seen.append(add_action)
            if add_action is not None:
                add_action(Note.C(text=f"x={self.x}"))
            return dep(Value.C(x=self.x))

    with experiment(tmp_path / "ws", "announce", run_mode=RunMode.DRY_RUN) as xp:
        out = Announce.C(x=3).submit()
        assert isinstance(out, Value) and out.x == 3
        assert [a.describe() for a in xp.actions.values()] == ["note: x=3"]
    from experimaestro.scheduler.workspace import Workspace

    out = Announce.C(x=5).submit(workspace=Workspace(tmp_path / "ws2"),
                                 run_mode=RunMode.DRY_RUN)
    assert out.x == 5 and seen[-1] is None
