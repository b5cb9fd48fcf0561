"""The walk of the configuration graph: every walk over configurations uses it (validation
and sealing, tags, generated paths, submit hooks, preparation, dependencies), each stating
its stopping rules as options.

The walk is depth first, each configuration visited once (by identity): a configuration
reached twice is visited at its first position, as a recursive walk would. The children
of a configuration are, in this order: the configurations in its fields (inside lists,
tuples, sets and dicts), its init tasks, the task that produced it, the configurations
it was given as dependencies (the last three only when asked for).

With ``paths=True`` it yields ``(config, path)``: the path has one step per edge from a
root (``len(path)`` is the depth), each step a tuple:

- ``(FIELD, name, *subscripts)``: the field `name`, then list or tuple positions, dict
  keys, or :data:`SET_MEMBER` for a member of a set;
- ``(INIT_TASK, position)``, ``(PRODUCER,)``, ``(DEPENDENCY, position)``.

The encoders are not walks of this kind and do not use it: identifiers, params.json,
instances, copies and ``repr`` turn each value into another, in the order of their
format (every field, values included, a shared configuration encoded or referenced at
each place); ``outputs.locate`` searches the objects built from configurations.
"""

from functools import lru_cache
from typing import Callable, Iterator, Optional

__all__ = ["walk", "configs_in", "FIELD", "INIT_TASK", "PRODUCER", "DEPENDENCY",
           "SET_MEMBER", "CONTAINERS", "is_task", "is_output", "is_submitted"]

FIELD = "field"
INIT_TASK = "init task"
PRODUCER = "producer"
DEPENDENCY = "dependency"


class _SetMember:
    """The subscript of a configuration inside a set (sets have no positions)."""

    __slots__ = ()

    def __repr__(self):
        return "SET_MEMBER"


SET_MEMBER = _SetMember()

#: Where configurations are looked for inside a field's value (by default all of them)
CONTAINERS = (list, tuple, set, frozenset, dict)


# -- predicates for the stopping rules of the callers ----------------------------------


def is_task(cfg) -> bool:
    """A task (a Task or a LightweightTask), submitted or not."""
    return cfg.__xpm__.xpmtype.task


def is_output(cfg) -> bool:
    """An output of a task (made by its ``task_outputs``)."""
    return cfg.__xpm__.task is not None


def is_submitted(cfg) -> bool:
    """A submitted task: it has its own job (folder)."""
    xpm = cfg.__xpm__
    return xpm.job is not None or xpm.submitted


# -- the walk ------------------------------------------------------------------------


def walk(roots, *, fields: str = "declared", reverse: bool = False,
         containers: tuple = CONTAINERS, init_tasks: bool = False,
         producers: bool = False, dependencies: bool = False, stop_tags: bool = False,
         skip: Optional[Callable] = None, stop: Optional[Callable] = None,
         paths: bool = False) -> Iterator:
    """The configurations reachable from `roots` (a configuration, or an iterable of them).

    - `fields`: ``"declared"``, the fields in the order the class declares them, or
      ``"set"``, in the order their values were set (defaults first, see initplan.py);
    - `reverse`: the children of each configuration (and the roots) from the last one,
      as a walk that pops its children from a stack;
    - `containers`: the types looked inside for configurations (a tuple, among
      :data:`CONTAINERS`);
    - `init_tasks`, `producers`, `dependencies`: also walk to the init tasks, to the task
      that produced an output, to the configurations given to ``add_dependencies``;
    - `stop_tags`: leave out the fields and init tasks marked with ``stop_tags(...)``;
    - `skip(cfg)`: true for a configuration neither yielded nor walked below;
    - `stop(cfg)`: true for a configuration yielded, but not walked below (it is asked
      after the caller has seen the configuration);
    - `paths`: yield ``(cfg, path)`` (see the module's documentation).

    `skip` and `stop` apply to the roots too. The children of a configuration are read
    when the walk goes below it, after the caller has seen it.
    """
    if fields not in ("declared", "set"):
        raise ValueError(f"walk(fields={fields!r}): expected 'declared' or 'set'")
    if getattr(roots, "__xpm__", None) is not None:
        roots = (roots,)
    read = _reader(fields == "declared", containers, init_tasks, producers, dependencies,
                   stop_tags, paths)
    stack = [(r, ()) for r in roots] if paths else list(roots)
    if not reverse:
        stack.reverse()  # (a stack: the first one is popped first)
    pop = stack.pop
    seen = set()
    add = seen.add
    while stack:
        entry = pop()
        cfg = entry[0] if paths else entry
        key = id(cfg)
        if key in seen:
            continue
        add(key)
        if skip is not None and skip(cfg):
            continue
        yield entry
        if stop is not None and stop(cfg):
            continue
        if reverse:
            read(cfg, entry, stack)
        else:
            found = []
            read(cfg, entry, found)
            found.reverse()
            stack += found


#: Values that hold no configuration (most field values), left out at once
_ATOMS = frozenset((int, float, str, bool, bytes))


# Made once per set of options: a recursive closure is a reference cycle, and one per
# walk would leave garbage for the collector at each submit
@lru_cache(maxsize=None)
def _reader(declared, containers, init_tasks, producers, dependencies, stop_tags,
            paths) -> Callable:
    """``read(cfg, entry, out)``: appends the children of cfg to `out` (as stack entries:
    configurations, or (configuration, path) pairs; `entry`: that of cfg)."""
    expand = _expander(containers, paths)

    def read(cfg, entry, out):
        xpm = cfg.__xpm__
        values = xpm.values
        path = entry[1] if paths else None
        stopped = xpm.stop_tags if stop_tags else None
        for name in (xpm.xpmtype.arguments if declared else values):
            value = values.get(name)
            if value is None or type(value) in _ATOMS or stopped and name in stopped:
                continue
            if getattr(value, "__xpm__", None) is not None:
                out.append((value, path + ((FIELD, name),)) if paths else value)
            else:
                expand(value, out, path, (FIELD, name))
        if init_tasks and xpm.init_tasks:
            stopped = xpm.stop_tags_init if stop_tags else None
            for i, t in enumerate(xpm.init_tasks):
                if not stopped or id(t) not in stopped:
                    out.append((t, path + ((INIT_TASK, i),)) if paths else t)
        if producers and xpm.task is not None:
            out.append((xpm.task, path + ((PRODUCER,),)) if paths else xpm.task)
        if dependencies and xpm.dependencies:
            for i, d in enumerate(xpm.dependencies):
                if getattr(d, "__xpm__", None) is not None:
                    out.append((d, path + ((DEPENDENCY, i),)) if paths else d)

    return read


@lru_cache(maxsize=None)
def _expander(containers: tuple, paths: bool) -> Callable:
    """``expand(value, out, path, step)``: appends the configurations inside value to
    `out`, with their path if `paths` (`step`: the field step so far)."""
    sequences = tuple(t for t in containers if not issubclass(t, dict))
    mappings = dict in containers
    unordered = (set, frozenset)

    def expand(value, out, path, step):
        if getattr(value, "__xpm__", None) is not None:
            out.append((value, path + (step,)) if paths else value)
        elif isinstance(value, sequences):
            if not paths:
                for v in value:
                    expand(v, out, None, None)
            elif isinstance(value, unordered):
                for v in value:
                    expand(v, out, path, step + (SET_MEMBER,))
            else:
                for i, v in enumerate(value):
                    expand(v, out, path, step + (i,))
        elif mappings and isinstance(value, dict):
            if paths:
                for k, v in value.items():
                    expand(v, out, path, step + (k,))
            else:
                for v in value.values():
                    expand(v, out, None, None)

    return expand


def configs_in(value) -> Iterator:
    """The configurations directly inside a value (itself, or inside its lists, tuples,
    sets and dicts): the roots of a walk from a value."""
    found: list = []
    _expand_all(value, found, None, None)
    return iter(found)


_expand_all = _expander(CONTAINERS, False)
