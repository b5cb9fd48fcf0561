"""core/walk.py: the one walk of the configuration graph and its options."""

from typing import Optional

import pytest

from experimaestro import Config, LightweightTask, Param, Task, sealed_set, stop_tags
from experimaestro.core.walk import (
    DEPENDENCY, FIELD, INIT_TASK, PRODUCER, SET_MEMBER, configs_in, is_output,
    is_submitted, is_task, walk,
)


class Leaf(Config):
    n: Param[int] = 0


class Node(Config):
    first: Param[Optional[Config]] = None
    items: Param[list[Leaf]] = []
    by_key: Param[dict[str, Leaf]] = {}
    pair: Param[Optional[tuple[Leaf, Leaf]]] = None
    members: Param[Optional[set[Leaf]]] = None
    last: Param[Optional[Config]] = None


class Init(LightweightTask):
    leaf: Param[Optional[Leaf]] = None

    def execute(self):
        pass


class Learn(Task):
    node: Param[Node]

    def execute(self):
        pass

    def task_outputs(self, dep):
        return dep(Leaf.C(n=99))


class Two(Config):
    a: Param[Leaf]
    b: Param[Leaf]


def holds(configs, cfg) -> bool:
    """cfg is one of configs (configurations compare equal by value: by identity here)"""
    return any(c is cfg for c in configs)


def ids(configs) -> list:
    return [id(c) for c in configs]


def names(configs):
    return [c.__xpm__.values.get("n", type(c).__xpm_user_class__.__name__) for c in configs]


def test_depth_first_in_declared_order_each_config_once():
    shared = Leaf.C(n=1)
    node = Node.C(first=shared, items=[Leaf.C(n=2), shared], by_key={"k": Leaf.C(n=3)},
                  last=Leaf.C(n=4))
    root = Node.C(first=Leaf.C(n=5), items=[], last=node)
    assert next(walk(root)) is root
    assert names(walk(root)) == ["Node", 5, "Node", 1, 2, 3, 4]


def test_a_config_reached_twice_is_visited_at_its_first_position():
    shared = Leaf.C(n=1)
    root = Node.C(first=shared, last=Node.C(first=shared))
    visits = [(c, p) for c, p in walk(root, paths=True)]
    assert [p for c, p in visits if c is shared] == [((FIELD, "first"),)]
    assert len(visits) == 3


def test_reverse_is_the_order_of_a_stack_walk():
    node = Node.C(first=Leaf.C(n=1), items=[Leaf.C(n=2), Leaf.C(n=3)], last=Leaf.C(n=4))
    # last field first, last position first
    assert names(walk(node, reverse=True)) == ["Node", 4, 3, 2, 1]


def test_fields_in_the_order_values_were_set():
    two = Two.C(b=Leaf.C(n=2))
    two.a = Leaf.C(n=1)  # unset until now: set last
    assert names(walk(two)) == ["Two", 1, 2]
    assert names(walk(two, fields="set")) == ["Two", 2, 1]
    with pytest.raises(ValueError, match="declared"):
        list(walk(two, fields="values"))


def test_paths_name_fields_positions_keys_and_set_members():
    a, b, c, d, e = (Leaf.C(n=i) for i in range(5))
    node = Node.C(items=[a], by_key={"k": b}, pair=(c, d), members=sealed_set(e))
    root = Node.C(last=node)
    paths = {id(cfg): path for cfg, path in walk(root, paths=True)}
    assert paths[id(root)] == ()
    assert paths[id(node)] == ((FIELD, "last"),)
    assert paths[id(a)] == ((FIELD, "last"), (FIELD, "items", 0))
    assert paths[id(b)] == ((FIELD, "last"), (FIELD, "by_key", "k"))
    assert paths[id(d)] == ((FIELD, "last"), (FIELD, "pair", 1))
    assert paths[id(e)] == ((FIELD, "last"), (FIELD, "members", SET_MEMBER))


def test_nested_containers_give_one_step_with_every_subscript():
    class Grid(Config):
        cells: Param[list[dict[str, Leaf]]]

    leaf = Leaf.C(n=1)
    grid = Grid.C(cells=[{}, {"x": leaf}])
    assert {id(c): p for c, p in walk(grid, paths=True)}[id(leaf)] == (
        (FIELD, "cells", 1, "x"),)


def test_containers_restrict_where_configs_are_looked_for():
    node = Node.C(items=[Leaf.C(n=1)], by_key={"k": Leaf.C(n=2)},
                  pair=(Leaf.C(n=3), Leaf.C(n=4)), members=sealed_set(Leaf.C(n=5)))
    assert names(walk(node)) == ["Node", 1, 2, 3, 4, 5]
    assert names(walk(node, containers=(list, dict))) == ["Node", 1, 2]


def test_init_tasks_producers_and_dependencies_only_when_asked():
    task = Learn.C(node=Node.C())
    init = Init.C(leaf=Leaf.C(n=7))
    task.__xpm__.init_tasks = [init]
    output = Leaf.C(n=8)
    output.__xpm__.task = task
    extra = Leaf.C(n=9)
    holder = Node.C(first=output)
    holder.add_dependencies("token", extra)

    assert not holds(walk(task), init)
    visits = {id(c): p for c, p in walk(task, init_tasks=True, paths=True)}
    assert visits[id(init)] == ((INIT_TASK, 0),)
    assert len(visits[id(init.leaf)]) == 2  # the depth

    assert not holds(walk(holder), task)
    found = {id(c): p for c, p in walk(holder, producers=True, dependencies=True,
                                          paths=True)}
    assert found[id(task)] == ((FIELD, "first"), (PRODUCER,))
    assert found[id(extra)] == ((DEPENDENCY, 1),)  # ("token" is not a configuration)
    # the children: fields, init tasks, producer, dependencies
    assert names(walk(holder, producers=True, dependencies=True)) == [
        "Node", 8, "Learn", "Node", 9]


def test_stop_tags_leave_out_fields_and_init_tasks():
    hidden = Leaf.C(n=1)
    root = Node.C(first=stop_tags(hidden), last=Leaf.C(n=2))
    assert holds(walk(root), hidden)
    assert names(walk(root, stop_tags=True)) == ["Node", 2]

    task = Learn.C(node=Node.C())
    kept, stopped = Init.C(), Init.C()
    task.__xpm__.init_tasks = [kept, stopped]
    task.__xpm__.stop_tags_init = frozenset({id(stopped)})
    found = list(walk(task, init_tasks=True, stop_tags=True))
    assert holds(found, kept) and not holds(found, stopped)


def test_skip_leaves_out_a_config_and_what_is_below_it():
    below = Leaf.C(n=2)
    skipped = Node.C(first=below)
    root = Node.C(first=Leaf.C(n=1), last=skipped)
    found = list(walk(root, skip=lambda cfg: cfg is skipped))
    assert not holds(found, skipped) and not holds(found, below)
    # the roots too
    assert list(walk(root, skip=lambda cfg: cfg is root)) == []


def test_skip_is_asked_once_per_config_even_when_reached_twice():
    shared = Leaf.C(n=1)
    root = Node.C(first=shared, last=shared)
    asked = []
    list(walk(root, skip=lambda cfg: asked.append(cfg) or cfg is shared))
    assert ids(asked) == ids([root, shared])


def test_stop_yields_a_config_but_not_what_is_below_it():
    below = Leaf.C(n=2)
    stopped = Node.C(first=below)
    root = Node.C(last=stopped)
    seen = []

    def stop(cfg):
        seen.append(cfg)  # asked after the caller got the config
        return cfg is stopped

    for cfg in walk(root, stop=stop):
        assert not holds(seen, cfg)
    assert ids(seen) == ids([root, stopped])


def test_several_roots_first_one_first_or_last_one_first_in_reverse():
    a, b = Leaf.C(n=1), Leaf.C(n=2)
    assert names(walk([a, b])) == [1, 2]
    assert names(walk([a, b], reverse=True)) == [2, 1]
    assert names(walk(iter([a, b, a]))) == [1, 2]


def test_a_cycle_ends():
    node = Node.C()
    node.__xpm__.values["last"] = node  # (only possible by hand)
    assert ids(walk(node)) == [id(node)]


def test_the_predicates_of_the_stopping_rules(generate_xp):
    task = Learn.C(node=Node.C())
    assert is_task(task) and is_task(Init.C()) and not is_task(Leaf.C())
    assert not is_submitted(task)
    output = task.submit()
    assert is_submitted(task) and is_output(output) and not is_output(task.node)
    # what a task submitted later holds: the earlier task, as a leaf
    holder = Node.C(first=output)
    found = list(walk(holder, skip=lambda cfg: cfg is not holder and is_output(cfg)))
    assert ids(found) == [id(holder)]


def test_configs_in_a_value():
    a, b, c = Leaf.C(n=1), Leaf.C(n=2), Leaf.C(n=3)
    assert ids(configs_in(a)) == [id(a)]
    assert ids(configs_in([a, (b,), {"k": [c]}, 4, None])) == ids([a, b, c])
    assert list(configs_in("text")) == []
