"""Serialization of configuration graphs (params.json version 3, save/load, state_dict).

A graph is written as a list of object records, dependencies first; a record holds the
class (module + qualified name), the identifier, and the encoded field values. Nested
configs are references ``{"type": "python", "value": <record id>}``.
"""

import enum
import importlib
import json
import os
import shutil
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Protocol, Union

from experimaestro import __version__

from . import hooks
from .arguments import MISSING

__all__ = [
    "SerializationContext",
    "SerializedPath",
    "SerializedPathLoader",
    "ObjectStore",
    "ObjectStream",
    "state_dict",
    "from_state_dict",
    "save",
    "load",
    "serialize",
    "deserialize",
    "from_task_dir",
    "params_dict",
    "PARAMS_VERSION",
]

PARAMS_VERSION = 3
DEFINITION_FILES = ("experimaestro.json", "definition.json")


class SerializedPath:
    """A path stored relative to a save directory (``is_folder`` for folders)."""

    def __init__(self, path: Union[str, Path], is_folder: bool = False):
        self.path = Path(path)
        self.is_folder = is_folder


class SerializedPathLoader(Protocol):
    """What ``load``/``deserialize`` accept instead of a folder: a function that maps a
    stored relative path to a real file or folder."""

    def __call__(self, path: Union[Path, str, SerializedPath]) -> Path: ...


class ObjectStore(dict):
    """Objects already built while loading (id -> object)."""


class SerializationContext:
    """Context when serializing: where DataPath files are copied (2.x's API, used by the
    ``__xpm_serialize__`` methods of configurations).

    ``var_path`` is the path of the configuration being written (field names, list
    indices, dict keys from the root); ``serialize(var_path, path, config)`` copies a
    file or folder to ``save_directory/<var_path>`` (hard links when possible)."""

    def __init__(self, *, save_directory: Optional[Path] = None, jobpath: Optional[Path] = None,
                 workspace: Optional[Path] = None):
        self.save_directory = Path(save_directory) if save_directory else None
        self.jobpath = Path(jobpath) if jobpath else None
        self.workspace = Path(workspace) if workspace else None
        self.var_path: List[str] = []
        self.serialized: set = set()
        self.serialized_paths: set = set()

    @property
    def depth(self) -> int:
        return len(self.var_path)

    @contextmanager
    def push(self, name: str):
        self.var_path.append(name)
        try:
            yield self.var_path
        finally:
            self.var_path.pop()

    def serialize(self, var_path: List[str], data_path: Path, config=None) -> SerializedPath:
        """Copy a data file or folder into the save directory, at ``var_path``."""
        data_path = Path(data_path)
        if self.save_directory is None:
            return SerializedPath(data_path, data_path.is_dir())
        rel = Path(*var_path)
        if str(rel) in self.serialized_paths:
            raise ValueError(
                f"SerializationContext: two data files would be saved as {rel}"
                " (a __xpm_serialize__ method gave a path already used)"
            )
        self.serialized_paths.add(str(rel))
        dest = self.save_directory / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        _link_or_copy(data_path, dest)
        return SerializedPath(rel, data_path.is_dir())


def _link_or_copy(src: Path, dest: Path):
    """A hard link of each file (a copy across filesystems), as 2.x stores data files."""
    if src.is_dir():
        shutil.copytree(src, dest, dirs_exist_ok=True, copy_function=_link_or_copy_file)
    else:
        _link_or_copy_file(src, dest)


def _link_or_copy_file(src, dest):
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


# -- writing -------------------------------------------------------------------


class _Writer:
    def __init__(self, context: SerializationContext):
        self.context = context
        self.records: List[dict] = []
        #: records written so far (ids stay unique when `records` is emptied: streams)
        self.count = 0
        self.ids: Dict[int, int] = {}
        #: references to configs still being written (cycles), patched once they are
        self.forward: Dict[int, List[dict]] = {}

    def add(self, cfg, var_path=()) -> int:
        key = id(cfg)
        found = self.ids.get(key)
        if found is not None:
            return found
        self.ids[key] = -1  # in progress (cycles are written as forward references)
        xpm = cfg.__xpm__
        ucls = type(cfg).__xpm_user_class__
        record: Dict[str, Any] = {}
        if xpm.task is not None:
            record["task"] = self.add(xpm.task)
        if xpm.init_tasks:
            record["init-tasks"] = [self.add(t) for t in xpm.init_tasks]
        fields = {}
        data = self.data_files(cfg, var_path)
        for arg, value in xpm.xpmvalues():
            if arg.name in data:
                fields[arg.name] = _serialized_path_json(data.pop(arg.name))
                continue
            if value is None and arg.optional and arg.default is MISSING:
                continue
            fields[arg.name] = self.value(value, arg, [*var_path, arg.name])
        for name, serialized in data.items():  # entries beyond the fields
            fields[name] = _serialized_path_json(serialized)
        oid = self.count
        self.count += 1
        module = _module_name(ucls)
        record.update(
            {
                "id": oid,
                "module": module,
                "type": ucls.__qualname__,
                "typename": f"{module}.{ucls.__qualname__}",
                "identifier": cfg.__identifier__().hex(),
            }
        )
        file = _class_file(ucls)
        if file is not None:
            record["file"] = file
        if xpm.meta is not None:
            record["meta"] = xpm.meta
        record["fields"] = fields
        self.records.append(record)
        self.ids[key] = oid
        for ref in self.forward.pop(key, ()):
            ref["value"] = oid
        return oid

    def data_files(self, cfg, var_path) -> dict:
        """What the config's ``__xpm_serialize__`` gives (its DataPath files copied into
        the save directory, unless it stores them otherwise); nothing for params.json."""
        if self.context.save_directory is None:
            return {}
        self.context.var_path = list(var_path)
        data = cfg.__xpm_serialize__(self.context)
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise TypeError(
                f"{type(cfg).__xpm_user_class__.__qualname__}.__xpm_serialize__ must return a"
                f" dict of name -> SerializedPath, got {type(data).__name__}"
            )
        return dict(data)

    def value(self, value, arg, var_path):
        if value is None or isinstance(value, (bool, int, float, str)) and not isinstance(
            value, enum.Enum
        ):
            if isinstance(value, float) and value != value:
                return {"type": "float", "value": "nan"}
            if isinstance(value, float) and value in (float("inf"), float("-inf")):
                return {"type": "float", "value": repr(value)}
            return value
        if getattr(value, "__xpm__", None) is not None:
            ref = {"type": "python", "value": self.add(value, var_path)}
            if ref["value"] < 0:  # a cycle: this config is being written higher up
                self.forward.setdefault(id(value), []).append(ref)
            return ref
        if isinstance(value, enum.Enum):
            cls = type(value)
            return {"type": "enum", "module": cls.__module__, "enum": cls.__qualname__,
                    "value": value.name}
        if isinstance(value, Path):
            return self.path(value, arg, var_path)
        if isinstance(value, (list, tuple)):
            return [self.value(v, arg, [*var_path, str(i)]) for i, v in enumerate(value)]
        if isinstance(value, (set, frozenset)):
            return {"type": "set", "items": [self.value(v, arg, var_path) for v in value]}
        if isinstance(value, dict):
            return {"type": "dict", "items": [
                [self.value(k, arg, var_path), self.value(v, arg, [*var_path, str(k)])]
                for k, v in value.items()]}
        raise TypeError(f"cannot serialize a value of type {type(value).__name__} ({value!r})")

    def path(self, value: Path, arg, var_path):
        ctx = self.context
        for base_name, base in (("job", ctx.jobpath), ("workspace", ctx.workspace)):
            if base is not None:
                try:
                    rel = value.absolute().relative_to(base)
                except ValueError:
                    continue
                return {"type": "path", "value": str(rel), "base": base_name}
        return str(value.absolute())


def _serialized_path_json(value) -> dict:
    if not isinstance(value, SerializedPath):
        raise TypeError(
            f"__xpm_serialize__ must map names to SerializedPath (from context.serialize),"
            f" got {type(value).__name__}"
        )
    return {"type": "path.serialized", "value": str(value.path), "is_folder": value.is_folder}


def _module_name(ucls) -> str:
    """The module recorded for a class: for experimaestro's base classes (a bare
    ``Config.C()`` held by a field), their 2.x module, which both implementations import."""
    base_id = ucls.__dict__.get("__xpm_base_id__")
    return base_id.rsplit(".", 1)[0] if base_id else ucls.__module__


def _class_file(ucls) -> Optional[str]:
    """The source file, when the class is not importable from its module name."""
    module = sys.modules.get(ucls.__module__)
    if ucls.__module__ == "__main__" or module is None or getattr(module, "__spec__", None) is None:
        return getattr(module, "__file__", None) if module is not None else None
    return None


def params_dict(task, *, jobpath: Optional[Path] = None, workspace: Optional[Path] = None,
                tags: Optional[dict] = None) -> dict:
    """The content of a job's params.json (the task is the last object). `tags`, the
    job's tags, are kept under "tags" (where older 2.x kept them; 2.7.0 writes none), so
    that the running task knows them (``self.__tags__``)."""
    writer = _Writer(SerializationContext(jobpath=jobpath, workspace=workspace))
    writer.add(task)
    params = {
        "workspace": str(workspace) if workspace else None,
        "version": PARAMS_VERSION,
        "experimaestro": __version__,
        "objects": writer.records,
    }
    if tags:
        params["tags"] = {k: _json_tag(v) for k, v in tags.items()}
    return params


def _json_tag(value):
    """A tag value as JSON holds it: a scalar as it is, anything else as its text (as
    jobs.jsonl does)."""
    return value if value is None or isinstance(value, (str, int, float, bool)) else str(value)


class ObjectStream:
    """The serialized objects of several configurations, each object once: what a run's
    ``objects.jsonl`` holds (its ids are unique within the stream)."""

    def __init__(self, context: SerializationContext):
        self._writer = _Writer(context)

    def new_records(self, cfg) -> List[dict]:
        """The records of `cfg` and of what it holds that earlier calls did not give."""
        self._writer.add(cfg)
        new = self._writer.records
        self._writer.records = []  # (given once: the stream keeps only their ids)
        return new


def state_dict(context: SerializationContext, obj) -> dict:
    """A JSON-compatible dict describing obj (configs, lists and dicts of configs)."""
    writer = _Writer(context)
    data = writer.value(obj, None, [])
    return {"objects": writer.records, "data": data}


# -- reading -------------------------------------------------------------------


MAIN_ALIAS = "__xpm_main__"


def _import_class(record: dict):
    module_name, qualname = record["module"], record["type"]
    if module_name == "__main__" and record.get("file"):
        # The experiment script: load it under another name, so that its
        # `if __name__ == "__main__":` block does not run again
        module = sys.modules.get(MAIN_ALIAS)
        if module is None:
            from importlib import util as import_util

            spec = import_util.spec_from_file_location(MAIN_ALIAS, record["file"])
            module = import_util.module_from_spec(spec)
            sys.modules[MAIN_ALIAS] = module
            hooks.loading_script = record["file"]
            try:
                spec.loader.exec_module(module)
            except BaseException:
                del sys.modules[MAIN_ALIAS]
                raise
            finally:
                hooks.loading_script = None
            # Same type ids (and identifiers) as in the driver, where the module was __main__
            for value in list(vars(module).values()):
                if isinstance(value, type) and value.__module__ == MAIN_ALIAS:
                    value.__module__ = "__main__"
        return _lookup(module, module_name, qualname)
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        file = record.get("file")
        if not file:
            raise ImportError(
                f"cannot import module {module_name!r} for {qualname}: {exc}; is the"
                " project on PYTHONPATH?"
            ) from exc
        from importlib import util as import_util

        spec = import_util.spec_from_file_location(module_name, file)
        module = import_util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
    return _lookup(module, module_name, qualname)


def _lookup(module, module_name: str, qualname: str):
    obj = module
    for part in qualname.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise ImportError(f"{module_name} has no class {qualname}") from None
    return obj


class _Reader:
    def __init__(self, resolve: Callable[[str, str], Path], partial_loading: bool):
        self.resolve = resolve
        self.partial_loading = partial_loading
        self.objects: Dict[int, Any] = {}
        self.pending: List[tuple] = []

    def load(self, records: List[dict], needed: Optional[set] = None):
        if needed is not None:
            records = [r for r in records if r["id"] in needed]
        for record in records:
            self.objects[record["id"]] = self.create(record)
        for record in records:
            self.fill(record)
        # Forward references (cycles) are set last
        for cfg, name, raw in self.pending:
            cfg.__xpm__.values[name] = self.value(raw)

    def create(self, record):
        cls = _import_class(record)
        cfg = cls.XPMConfig()
        xpm = cfg.__xpm__
        if xpm.xpmtype.task:
            xpm.submitted = True
        if "meta" in record:
            xpm.meta = record["meta"]
        return cfg

    def fill(self, record):
        cfg = self.objects[record["id"]]
        xpm = cfg.__xpm__
        args = xpm.xpmtype.arguments
        for name, raw in record.get("fields", {}).items():
            arg = args.get(name)
            if arg is None:
                continue  # a field that no longer exists
            if _has_forward_ref(raw, self.objects, record["id"]):
                self.pending.append((cfg, name, raw))
                continue
            value = self.value(raw)
            if arg.kind.name == "Constant":
                continue
            if value is None:
                xpm.values[name] = None
            else:
                xpm.set(arg, value)
        task = record.get("task")
        # (2.x marks a submitted task as its own task: that is not an output of a task;
        # a task missing from the objects was left out by partial loading)
        if task is not None and task != record["id"] and task in self.objects:
            xpm.task = self.objects[task]
        if "init-tasks" in record:
            xpm.init_tasks = [self.objects[i] for i in record["init-tasks"]]

    def value(self, raw):
        if isinstance(raw, list):
            return [self.value(v) for v in raw]
        if isinstance(raw, dict):
            kind = raw.get("type")
            if kind == "python":
                return self.objects[raw["value"]]
            if kind == "path":
                return self.resolve(raw.get("base"), raw["value"])
            if kind == "path.serialized":  # a data file of a saved folder (2.x's format)
                return self.resolve("save", raw["value"])
            if kind == "enum":
                cls = _import_class({"module": raw["module"], "type": raw["enum"]})
                return cls[raw["value"]]
            if kind == "set":
                # Configs are hashed by identifier: seal them first (as sealed_set does)
                return {_sealed(self.value(v)) for v in raw["items"]}
            if kind == "dict":
                return {_key(self.value(k)): self.value(v) for k, v in raw["items"]}
            if kind == "float":
                return float(raw["value"])
            return {k: self.value(v) for k, v in raw.items()}
        return raw


def _sealed(value):
    if getattr(value, "__xpm__", None) is not None:
        value.seal()
    return value


def _key(k):
    return tuple(k) if isinstance(k, list) else k


def _has_forward_ref(raw, objects, current_id) -> bool:
    if isinstance(raw, list):
        return any(_has_forward_ref(v, objects, current_id) for v in raw)
    if isinstance(raw, dict):
        if raw.get("type") == "python":
            return raw["value"] >= current_id
        return any(_has_forward_ref(v, objects, current_id) for v in raw.values()
                   if isinstance(v, (list, dict)))
    return False


def _resolver(base_path: Optional[Path], workspace: Optional[Path], jobpath: Optional[Path]):
    def resolve(base, value):
        if base == "job" and jobpath is not None:
            return jobpath / value
        if base == "workspace" and workspace is not None:
            return workspace / value
        if base == "save" and base_path is not None:
            return base_path / value
        return Path(value)

    return resolve


def _load_records(records, resolve, as_instance, partial_loading, roots=()):
    """Rebuild the objects of `records`. With partial loading (the default when building
    instances), only what `roots` (raw values) reach through fields and init tasks is
    rebuilt: the tasks that produced an output (the ``task`` links) are left out, so that
    their classes need not be importable here."""
    if partial_loading is None:
        partial_loading = as_instance
    reader = _Reader(resolve, partial_loading)
    needed = _needed_records(records, roots) if partial_loading else None
    reader.load(records, needed)
    return reader


def _refs(raw, out: list):
    """The record ids a raw (encoded) value refers to."""
    if isinstance(raw, list):
        for v in raw:
            _refs(v, out)
    elif isinstance(raw, dict):
        if raw.get("type") == "python":
            out.append(raw["value"])
        else:
            for v in raw.values():
                _refs(v, out)
    return out


def _needed_records(records, roots) -> set:
    by_id = {r["id"]: r for r in records}
    todo = _refs(list(roots), [])
    needed = set()
    while todo:
        rid = todo.pop()
        if rid in needed or rid not in by_id:
            continue
        needed.add(rid)
        record = by_id[rid]
        _refs(record.get("fields", {}), todo)
        todo.extend(record.get("init-tasks", ()))
    return needed


def from_state_dict(state: Dict[str, Any], path=None, *, as_instance: bool = False,
                    partial_loading: Optional[bool] = None):
    """Rebuild what :func:`state_dict` described."""
    base = _as_base(path)
    resolve = base if callable(base) else _resolver(base, None, None)
    reader = _load_records(state["objects"], resolve, as_instance, partial_loading,
                           roots=[state["data"]])
    data = reader.value(state["data"])
    if as_instance:
        return _instantiate(data)
    return data


def _as_base(path):
    if path is None:
        return None
    if callable(path) and not isinstance(path, (str, Path)):
        return lambda base, value: Path(path(value))
    return Path(path)


def _instantiate(data, memo=None):
    from .instance import make_instance

    memo = {} if memo is None else memo
    if getattr(data, "__xpm__", None) is not None:
        return make_instance(data, memo, True)
    if isinstance(data, list):
        return [_instantiate(v, memo) for v in data]
    if isinstance(data, dict):
        return {k: _instantiate(v, memo) for k, v in data.items()}
    return data


def save(obj, save_directory: Optional[Path], definition_filename: str = "experimaestro.json"):
    """Save a configuration in a folder, copying its DataPath files and folders."""
    serialize(obj, save_directory, init_tasks=[], definition_filename=definition_filename)


def serialize(obj, save_directory: Path, *, init_tasks: list = (),
              definition_filename: str = "experimaestro.json",
              context: Optional[SerializationContext] = None):
    """Save a configuration and the init tasks to run when it is deserialized.

    `context` (a SerializationContext whose save_directory is `save_directory`) lets a
    subclass decide how DataPath files are stored.
    """
    save_directory = Path(save_directory)
    save_directory.mkdir(parents=True, exist_ok=True)
    if context is None:
        context = SerializationContext(save_directory=save_directory)
    writer = _Writer(context)
    data = writer.value(obj, None, [])
    tasks = [writer.value(t, None, ["init-tasks", str(i)]) for i, t in enumerate(init_tasks)]
    content = {"objects": writer.records, "data": data, "init-tasks": tasks,
               "experimaestro": __version__}
    tmp = save_directory / f".{definition_filename}.tmp"
    tmp.write_text(json.dumps(content, indent=1))
    tmp.replace(save_directory / definition_filename)


def _read_definition(path, definition_filename):
    if callable(path) and not isinstance(path, (str, Path)):
        names = [definition_filename] if definition_filename else DEFINITION_FILES
        for name in names:
            try:
                return json.loads(Path(path(name)).read_text()), path
            except FileNotFoundError:
                continue
        raise FileNotFoundError(f"no definition file ({', '.join(names)})")
    path = Path(path)
    names = [definition_filename] if definition_filename else DEFINITION_FILES
    for name in names:
        f = path / name
        if f.exists():
            return json.loads(f.read_text()), path
    raise FileNotFoundError(
        f"{path}: no {' or '.join(names)} here; was it written by save() or serialize()?"
    )


def deserialize(path, as_instance: bool = False, partial_loading: Optional[bool] = None,
                definition_filename: Optional[str] = None):
    """Load what :func:`serialize` wrote: (config, init_tasks), or the instance."""
    content, base = _read_definition(path, definition_filename)
    resolve = _as_base(base) if callable(base) and not isinstance(base, Path) else _resolver(
        base, None, None)
    reader = _load_records(content["objects"], resolve, as_instance, partial_loading,
                           roots=[content["data"], content.get("init-tasks", [])])
    data = reader.value(content["data"])
    init_tasks = [reader.value(t) for t in content.get("init-tasks", [])]
    if as_instance:
        from .instance import make_instance

        memo: dict = {}  # init tasks and the object share their instances
        for t in init_tasks:
            make_instance(t, memo, True).execute()
        return _instantiate(data, memo)
    return data, init_tasks


def load(path, as_instance: bool = False, partial_loading: Optional[bool] = None,
         definition_filename: Optional[str] = None):
    """Load what :func:`save` wrote."""
    result = deserialize(path, as_instance, partial_loading, definition_filename)
    if as_instance:
        return result
    return result[0]


def read_params(path: Path) -> dict:
    params = json.loads(Path(path).read_text())
    version = params.get("version", 0)
    if version > PARAMS_VERSION:
        raise ValueError(
            f"{path}: params.json version {version} is newer than the versions this"
            f" experimaestro reads (up to {PARAMS_VERSION}); upgrade experimaestro"
        )
    return params


def from_task_dir(path, as_instance: bool = False, partial_loading: Optional[bool] = None):
    """The task (config, or instance) of a job folder, from its params.json."""
    if callable(path) and not isinstance(path, (str, Path)):
        params_file = Path(path("params.json"))
        jobpath = params_file.parent
    else:
        jobpath = Path(path)
        params_file = jobpath / "params.json"
    params = read_params(params_file)
    workspace = Path(params["workspace"]) if params.get("workspace") else None
    main = params["objects"][-1]["id"]
    reader = _load_records(params["objects"], _resolver(None, workspace, jobpath), as_instance,
                           partial_loading, roots=[{"type": "python", "value": main}])
    task = reader.objects[params["objects"][-1]["id"]]
    if params.get("tags"):
        # The job's tags (the configurations below carry none on disk): tags(task), and
        # the running task's self.__tags__, give them again
        task.__xpm__._tags = dict(params["tags"])
    if as_instance:
        return task.instance()
    return task
