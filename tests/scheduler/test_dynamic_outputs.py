"""Dynamic outputs: a running task announces outputs (register_task_output), the
experiment rebuilds them and calls the callbacks given to watch_output."""

import json

import pytest

from experimaestro import FailedExperiment, experiment
from experimaestro.core.outputs import DYNAMIC_OUTPUTS_FILE, output_record
from xpm_fixtures.tasks import BadOutput, Checkpoint, Evaluate, Train, Validation

from .helpers import executions


def _evaluate_each_checkpoint(train, received, release=None):
    def evaluate(checkpoint):
        received.append(checkpoint)
        Evaluate.C(checkpoint=checkpoint, release=release).submit()

    train.watch_output(train.validation.checkpoint, evaluate)


def test_each_announced_output_reaches_the_callback(tmp_path):
    received = []
    with experiment(tmp_path / "ws", "outputs"):
        train = Train.C(steps=3, validation=Validation.C())
        train.submit()
        _evaluate_each_checkpoint(train, received)
    assert [c.step for c in received] == [1, 2, 3]
    for cp in received:
        assert isinstance(cp, Checkpoint)
        assert cp.__xpm__.task is train and cp.__xpm__.sealed
    # The rebuilt output is the config the method returns, marked as produced by the task
    expected = Validation.C().checkpoint(lambda c: c, step=2)
    assert received[1].__identifier__() != expected.__identifier__()  # 08 <task> prefix
    jobs = sorted((tmp_path / "ws" / "jobs").glob("*evaluate/*/evaluated.txt"))
    assert sorted(p.read_text() for p in jobs) == ["1", "2", "3"]


def test_a_follow_up_task_runs_while_the_task_still_runs(tmp_path):
    # Train waits after its first checkpoint until the evaluation of that checkpoint
    # has run: the evaluation must not wait for Train to end
    release = tmp_path / "release"
    received = []
    with experiment(tmp_path / "ws", "outputs"):
        train = Train.C(steps=2, validation=Validation.C(), release=release)
        train.submit()
        _evaluate_each_checkpoint(train, received, release=release)
    assert release.read_text() == "go"
    assert [c.step for c in received] == [1, 2]


def test_a_rerun_delivers_the_outputs_again_without_rerunning(tmp_path):
    ws = tmp_path / "ws"
    with experiment(ws, "outputs"):
        train = Train.C(steps=2, validation=Validation.C())
        train.submit()
        _evaluate_each_checkpoint(train, [])
    outputs = train.__xpm__.job.path / DYNAMIC_OUTPUTS_FILE
    lines = outputs.read_text().splitlines()
    # A retried task may announce the same output again: delivered once
    outputs.write_text("\n".join(lines + lines[:1]) + "\n")

    received = []
    with experiment(ws, "outputs"):
        train = Train.C(steps=2, validation=Validation.C())
        train.submit()
        _evaluate_each_checkpoint(train, received)
    assert [c.step for c in received] == [1, 2]
    evaluated = list(ws.glob("jobs/*evaluate/*"))
    assert len(evaluated) == 2
    assert all(executions(p) == 1 for p in evaluated)  # found done, not run again


def test_a_method_outside_the_task_is_refused(tmp_path):
    with experiment(tmp_path / "ws", "outputs"):
        train = Train.C(steps=1, validation=Validation.C())
        train.submit()
        with pytest.raises(ValueError, match="not a method of the task Train"):
            train.watch_output(Validation.C(every=2).checkpoint, print)
        with pytest.raises(TypeError, match="not callable"):
            train.watch_output(train.validation.checkpoint, None)


def test_watch_output_declared_before_submit(tmp_path):
    """As in 2.x, the callbacks can be given before submit(): they are called for the
    outputs of the job the task gets."""
    received = []
    with experiment(tmp_path / "ws", "outputs"):
        train = Train.C(steps=2, validation=Validation.C())
        _evaluate_each_checkpoint(train, received)
        train.submit()
    assert [c.step for c in received] == [1, 2]
    assert all(c.__xpm__.task is train for c in received)
    assert len(list((tmp_path / "ws").glob("jobs/*evaluate/*/evaluated.txt"))) == 2


def test_watch_output_declared_on_a_second_submission_of_the_same_task(tmp_path):
    """The second configuration shares the first one's job; its callbacks (declared on
    its own held configurations) get the outputs too."""
    first, second = [], []
    with experiment(tmp_path / "ws", "outputs"):
        a = Train.C(steps=2, validation=Validation.C())
        a.submit()
        a.watch_output(a.validation.checkpoint, first.append)
        b = Train.C(steps=2, validation=Validation.C())
        b.watch_output(b.validation.checkpoint, second.append)
        b.submit()
        assert b.__xpm__.job is a.__xpm__.job
    assert [c.step for c in first] == [c.step for c in second] == [1, 2]


def test_watch_output_before_submit_checks_its_arguments_at_once():
    train = Train.C(steps=1, validation=Validation.C())
    with pytest.raises(ValueError, match="not a method of the task Train"):
        train.watch_output(Validation.C(every=2).checkpoint, print)
    with pytest.raises(TypeError, match="not callable"):
        train.watch_output(train.validation.checkpoint, None)
    assert train.__xpm__.declared_callbacks is None


def test_arguments_must_be_json_values(tmp_path):
    with pytest.raises(FailedExperiment):
        with experiment(tmp_path / "ws", "outputs"):
            BadOutput.C(validation=Validation.C()).submit()
    failed = json.loads(next(tmp_path.glob("ws/jobs/*badoutput/*/*.failed")).read_text())
    assert "arguments must be JSON values" in failed["message"]


def test_output_records():
    train = Train.C(steps=1, validation=Validation.C())
    line = output_record(train, train.validation.checkpoint, (), {"step": 3})
    assert json.loads(line) == {"path": ["validation"], "method": "checkpoint",
                                "args": [], "kwargs": {"step": 3}}
    with pytest.raises(ValueError, match="not a method of the task"):
        output_record(train, Validation.C().checkpoint, (), {})


def test_register_task_output_outside_a_job():
    train = Train.C(steps=1, validation=Validation.C())
    with pytest.raises(RuntimeError, match="while it runs"):
        train.register_task_output(train.validation.checkpoint, step=1)
