"""Task outputs: ``task_outputs(self, dep)`` marks configs produced by a task; dynamic
outputs are announced by a running task (``register_task_output``) and rebuilt by the
driver (``watch_output``) from a path, a method name and JSON arguments."""

import json
from typing import Callable, Iterator, List, Optional, Tuple, TypeVar, Union

from .walk import configs_in

T = TypeVar("T")

#: Type of the ``dep`` argument of ``task_outputs`` (marks a config as a task output)
DependentMarker = Callable[[T], T]


def dependent_marker(task, dynamic: bool = False) -> Callable:
    """The ``dep`` function given to output methods: marks configs as produced by task.

    Dynamic outputs exist when the running task announces them: the configurations that
    use them do not wait for the task to end."""

    def dep(value):
        for cfg in configs_in(value):
            xpm = cfg.__xpm__
            if xpm.task is None:
                xpm.task = task
                if dynamic:
                    xpm.dynamic_output = True
        return value

    return dep


def task_output(task, add_action=None):
    """What ``submit()`` returns: ``__submit__(dep, add_action)`` if the class defines it
    (`add_action`: the experiment's, or None outside of one), else ``task_outputs(dep)``,
    else the task itself."""
    submit_hook = getattr(task, "__submit__", None)
    if submit_hook is not None:
        out = submit_hook(dependent_marker(task), add_action)
        _seal_outputs(task, out)
        return out
    method = getattr(task, "task_outputs", None)
    if method is None:
        return task
    out = method(dependent_marker(task))
    _seal_outputs(task, out)
    return out


def _seal_outputs(task, out):
    for cfg in configs_in(out):
        if cfg.__xpm__.task is task:
            cfg.seal()


# -- dynamic outputs ----------------------------------------------------------------

#: In the job folder: one JSON line per output announced by the running task
DYNAMIC_OUTPUTS_FILE = ".experimaestro/task-outputs.jsonl"

PathItem = Union[str, int]


def _fields(obj) -> Optional[Iterator[Tuple[str, object]]]:
    """The (name, value) of the fields of a configuration or of an instance built from
    one; None for other objects."""
    xpm = getattr(obj, "__xpm__", None)
    if xpm is not None:
        return iter(list(xpm.values.items()))
    for klass in type(obj).__mro__:
        otype = klass.__dict__.get("_xpm_objecttype")
        if otype is not None:
            d = getattr(obj, "__dict__", {})
            return ((name, d.get(name)) for name in otype.arguments)
    return None


def locate(root, target) -> Optional[List[PathItem]]:
    """The path from root to target (field names, list positions, dict keys), found
    breadth first through fields, lists and dicts; None if target is not below root."""
    seen = set()
    todo: list = [(root, [])]
    while todo:
        obj, path = todo.pop(0)
        if obj is target:
            return path
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, (list, tuple)):
            todo.extend((v, path + [i]) for i, v in enumerate(obj))
        elif isinstance(obj, dict):
            todo.extend((v, path + [k]) for k, v in obj.items() if isinstance(k, str))
        else:
            fields = _fields(obj)
            if fields is not None:
                todo.extend((v, path + [name]) for name, v in fields)
    return None


def check_watched(task, method, callback) -> List[PathItem]:
    """``task.watch_output(method, callback)``: the path from the task to the configuration
    whose method is watched; a clear error for a callback that cannot be called or a
    method that is not one of the task or of a configuration it holds."""
    if not callable(callback):
        raise TypeError(f"watch_output: the callback {callback!r} is not callable")
    owner = getattr(method, "__self__", None)
    path = None if owner is None else locate(task, owner)
    if path is None:
        name = type(task).__xpm_user_class__.__qualname__
        raise ValueError(
            f"watch_output: {method!r} is not a method of the task {name} or of a"
            f" configuration it holds; pass e.g. task.validation.checkpoint"
        )
    return path


def resolve(root, path: List[PathItem]):
    """The object at path below root (see locate)."""
    obj = root
    for item in path:
        if isinstance(obj, (list, tuple, dict)):
            obj = obj[item]
        else:
            obj = getattr(obj, item)
    return obj


def output_record(root, method, args, kwargs) -> str:
    """The JSON line announcing ``method(dep, *args, **kwargs)``, method being bound to
    root or to an object below it."""
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", None)
    path = None if owner is None else locate(root, owner)
    if path is None or name is None:
        raise ValueError(
            f"register_task_output: {method!r} is not a method of the task or of a"
            " configuration it holds; pass e.g. self.register_task_output(self.validation"
            ".checkpoint, step=10)"
        )
    try:
        return json.dumps({"path": path, "method": name, "args": list(args),
                           "kwargs": kwargs}, sort_keys=True)
    except (TypeError, ValueError) as e:
        raise TypeError(
            f"register_task_output({name}): the arguments must be JSON values (numbers,"
            f" strings, booleans, None, lists and dicts of them): {e}"
        ) from None


def rebuild_output(task, record: dict):
    """Driver side: the output a record announces, rebuilt on the submitted task."""
    owner = resolve(task, record["path"])
    method = getattr(owner, record["method"])
    out = method(dependent_marker(task, dynamic=True), *record["args"], **record["kwargs"])
    _seal_outputs(task, out)
    return out
