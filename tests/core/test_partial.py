"""Parameter groups and partial identifiers (folders shared by related tasks)."""

from pathlib import Path

import pytest

from experimaestro import Meta, Param, PathGenerator, Task, field, param_group, partial
from experimaestro.core.partial import Partial, partial_identifier

training = param_group("training")
evaluation = param_group("evaluation")

without_training = partial(exclude_groups=[training])


class Train(Task):
    size: Param[int]
    epochs: Param[int] = field(groups=[training])
    lr: Param[float] = field(default=0.1, groups=[training])
    batch: Param[int] = field(default=8, groups=[training, evaluation])
    checkpoint: Meta[Path] = field(
        default_factory=PathGenerator("model.pt", partial=without_training)
    )
    log: Meta[Path] = field(default_factory=PathGenerator("log.txt"))

    def execute(self):
        pass


def test_partial_returns_a_spec():
    spec = partial(exclude_groups=[training], include_groups=[evaluation],
                   exclude_no_group=True)
    assert isinstance(spec, Partial)
    assert spec.exclude_groups == {training} and spec.include_groups == {evaluation}
    assert spec.exclude_no_group and not spec.exclude_all
    # `exclude` is an alias of exclude_groups
    assert partial(exclude=[training]).exclude_groups == {training}


def test_partial_refuses_other_values():
    with pytest.raises(TypeError, match=r"partial\(\): expected groups made by param_group\(\),"
                       " got 'training'"):
        partial(exclude_groups=["training"])


def test_which_parameters_a_partial_includes():
    args = Train.__xpmtype__.arguments
    assert without_training.includes(args["size"])
    assert not without_training.includes(args["epochs"])
    # Included by another group
    assert partial(exclude_groups=[training], include_groups=[evaluation]).includes(args["batch"])
    assert not without_training.includes(args["batch"])
    assert not partial(exclude_no_group=True).includes(args["size"])
    assert partial(exclude_no_group=True).includes(args["epochs"])
    assert not partial(exclude_all=True).includes(args["size"])
    assert partial(exclude_all=True, include_groups=[training]).includes(args["epochs"])


def test_tasks_differing_only_in_an_excluded_group_share_the_partial_identifier():
    a = Train.C(size=1, epochs=10)
    b = Train.C(size=1, epochs=20, lr=0.5)
    c = Train.C(size=2, epochs=10)
    assert a.__identifier__() != b.__identifier__()
    assert partial_identifier(a, without_training) == partial_identifier(b, without_training)
    assert partial_identifier(a, without_training) != partial_identifier(c, without_training)


def test_partial_identifier_leaves_the_config_unchanged():
    a = Train.C(size=1, epochs=10)
    before = a.__identifier__()
    partial_identifier(a, without_training)
    assert a.epochs == 10 and a.__identifier__() == before
    assert [arg.name for arg in Train.__xpmtype__.sorted_arguments] == sorted(
        Train.__xpmtype__.arguments
    )


def test_partial_identifier_depends_on_the_spec():
    a = Train.C(size=1, epochs=10)
    assert partial_identifier(a, without_training) != partial_identifier(
        a, partial(exclude_groups=[evaluation])
    )


def test_partial_paths_are_shared_at_submit(generate_xp):
    a = Train.C(size=1, epochs=10)
    b = Train.C(size=1, epochs=20)
    c = Train.C(size=2, epochs=10)
    for task in (a, b, c):
        task.submit()
    assert a.jobpath != b.jobpath
    # The checkpoint is in a folder shared by a and b, not c
    assert a.checkpoint == b.checkpoint != c.checkpoint
    assert a.checkpoint.name == "model.pt"
    ident = partial_identifier(a, without_training)
    assert a.checkpoint.parent.name == ident
    assert generate_xp.workspace.path in a.checkpoint.parents
    # A generator without partial stays in the job folder
    assert a.log == a.jobpath / "log.txt"
