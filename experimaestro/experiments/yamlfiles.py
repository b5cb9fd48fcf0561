"""Reading experiment YAML files: imports, deep merge, ``-c`` overrides, and where each value
came from (file and line), so that errors can point at them."""

import copy
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from experimaestro.exceptions import HandledException
from experimaestro.yamlnodes import format_key_path, load_yaml_node

__all__ = ["ConfigError", "Origin", "MergedConfig", "load_experiment_yaml", "parse_override"]

KeyPath = Tuple[Any, ...]


class ConfigError(HandledException):
    """The experiment's configuration is invalid (one line per problem)."""


class Origin:
    """Where a value was set: a YAML file and line, or a command-line option."""

    def __init__(self, source: str, line: Optional[int] = None, raw: Optional[str] = None):
        self.source = source
        self.line = line
        #: The text of a -c value (so that a string field gets it verbatim)
        self.raw = raw

    def __str__(self):
        return f"{self.source}:{self.line}" if self.line else self.source

    def __repr__(self):
        return f"Origin({self})"


class MergedConfig:
    """The merged data of all YAML files and overrides, with the origin of each key."""

    def __init__(self, main_file: Path):
        self.main_file = main_file
        self.data: Dict[str, Any] = {}
        self.origins: Dict[KeyPath, Origin] = {(): Origin(str(main_file))}
        #: pythonpath entries of every file, resolved against the file's folder, in order
        self.pythonpath: List[Path] = []
        #: files read, in merge order
        self.files: List[Path] = []
        #: folder of the file that set `file` / `pre_experiment` (paths are relative to it)
        self.key_dirs: Dict[str, Path] = {}
        #: the last file that set `module` (its folder helps to find the module)
        self.module_file: Optional[Path] = None

    def origin(self, path: KeyPath) -> Origin:
        """The origin of a key, or of its closest ancestor that has one."""
        path = tuple(path)
        while path not in self.origins:
            path = path[:-1]
        return self.origins[path]

    def merge(self, data: dict, origins: Dict[KeyPath, Origin]):
        """Deep merge of mappings; the new data wins."""
        _merge(self.data, data, (), self.origins, origins)

    def get(self, key: str, default=None):
        return self.data.get(key, default)

    def resolve(self, key: str, value: str) -> Path:
        """A path set by ``key``, relative to the file that set it."""
        return _resolve(self.key_dirs.get(key, self.main_file.parent.absolute()), value)


def _merge(target: dict, new: dict, prefix: KeyPath, target_origins, new_origins):
    for key, value in new.items():
        path = (*prefix, key)
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            if path in new_origins:
                target_origins[path] = new_origins[path]
            _merge(target[key], value, path, target_origins, new_origins)
            continue
        target[key] = copy.deepcopy(value)
        for p in [p for p in target_origins if p[: len(path)] == path]:
            del target_origins[p]
        for p, o in new_origins.items():
            if p[: len(path)] == path:
                target_origins[p] = o


# -- reading one file ---------------------------------------------------------------


def read_yaml(path: Path) -> Tuple[Any, Dict[KeyPath, Origin]]:
    """The content of a YAML file and the line of each key (1-based)."""
    data, node = load_yaml_node(path, ConfigError)
    origins: Dict[KeyPath, Origin] = {}
    if node is not None:
        _collect_marks(node, (), str(path), origins)
    return data, origins


def _collect_marks(node, path: KeyPath, source: str, origins):
    import yaml

    origins.setdefault(path, Origin(source, node.start_mark.line + 1))
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.value == "<<":
                continue
            key = key_node.value
            sub = (*path, key)
            origins[sub] = Origin(source, key_node.start_mark.line + 1)
            _collect_marks(value_node, sub, source, origins)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = (*path, i)
            origins[sub] = Origin(source, item.start_mark.line + 1)
            _collect_marks(item, sub, source, origins)


# -- a file and its imports ---------------------------------------------------------


def _as_path_list(value, key: str, origin: Origin) -> List[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise ConfigError(f"{origin}: {key}: expected a list of file paths, got {value!r}")


def _resolve(base: Path, value: str) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else (base / path)


def load_file(path: Path, merged: MergedConfig, stack: Tuple[Path, ...] = ()):
    """Merge ``path`` (after its imports) into ``merged``."""
    import warnings

    path = Path(path)
    if not path.exists() and path.suffix not in (".yaml", ".yml"):
        for suffix in (".yaml", ".yml"):
            if path.with_suffix(suffix).exists():
                path = path.with_suffix(suffix)
                break
    key = path.resolve()
    if key in stack:
        cycle = " -> ".join(str(p) for p in (*stack, key))
        raise ConfigError(f"{path}: import cycle: {cycle}")
    data, origins = read_yaml(path)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(
            f"{path}:1: expected a mapping of keys (e.g. `id: my-experiment`) at the top level,"
            f" got a {type(data).__name__}"
        )
    base = path.parent
    imports = _as_path_list(data.get("imports"), "imports", origins.get(("imports",), Origin(str(path))))
    parent = data.get("parent")
    if parent is not None:
        where = origins.get(("parent",), Origin(str(path)))
        if imports:
            raise ConfigError(f"{where}: `parent` and `imports` cannot both be given: use `imports`")
        if not isinstance(parent, str):
            raise ConfigError(f"{where}: parent: expected a file path, got {parent!r}")
        warnings.warn(f"{where}: `parent` is deprecated, use `imports: [{parent}]`",
                      DeprecationWarning, stacklevel=2)
        imports = [parent]
    for i, imp in enumerate(imports):
        target = _resolve(base, imp)
        if not target.exists() and not any(
                target.with_suffix(s).exists() for s in (".yaml", ".yml")):
            where = origins.get(("imports", i)) or origins.get(("parent",)) or Origin(str(path))
            raise ConfigError(f"{where}: imports: file {imp!r} not found (looked for"
                              f" {target.absolute()})")
        load_file(target, merged, (*stack, key))

    # Paths are relative to the file that sets them
    for name in ("file", "pre_experiment"):
        if name in data:
            merged.key_dirs[name] = base.absolute()
    pythonpath = data.get("pythonpath")
    for entry in _as_path_list(pythonpath, "pythonpath",
                               origins.get(("pythonpath",), Origin(str(path)))):
        resolved = _resolve(base, entry).resolve()
        if resolved not in merged.pythonpath:
            merged.pythonpath.append(resolved)
    if "module" in data:
        merged.module_file = path
    merged.merge(data, origins)
    merged.files.append(path)


# -- overrides ----------------------------------------------------------------------


def parse_override(text: str) -> Tuple[KeyPath, Any, Origin]:
    """``key.sub=value`` → (path, value parsed as YAML, origin)."""
    import yaml

    origin = Origin(f"option -c {text}")
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ConfigError(
            f"option -c {text!r}: expected KEY=VALUE, where KEY is a dotted path"
            " (e.g. -c learning.lr=0.01)"
        )
    parts = key.split(".")
    if any(not p for p in parts):
        raise ConfigError(f"option -c {text!r}: empty component in the key {key!r}")
    path = tuple(int(p) if p.isdigit() else p for p in parts)
    origin.raw = raw
    try:
        value = yaml.safe_load(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return path, value, origin


def apply_override(merged: MergedConfig, text: str):
    path, value, origin = parse_override(text)
    node: Any = merged.data
    for i, part in enumerate(path[:-1]):
        where = format_key_path(path[: i + 1])
        if isinstance(node, dict):
            if not isinstance(node.get(part), (dict, list)):
                if part in node and node[part] is not None:
                    raise ConfigError(
                        f"{origin}: {where} is not a mapping (it is {node[part]!r}, set at"
                        f" {merged.origin(path[: i + 1])})"
                    )
                node[part] = {}
                merged.origins[path[: i + 1]] = origin
            node = node[part]
        elif isinstance(node, list):
            if not isinstance(part, int) or not 0 <= part < len(node):
                raise ConfigError(f"{origin}: {where}: no such item in a list of {len(node)}")
            node = node[part]
        else:
            raise ConfigError(f"{origin}: {where} is not a mapping")
    last = path[-1]
    if isinstance(node, list):
        if not isinstance(last, int) or not 0 <= last < len(node):
            raise ConfigError(f"{origin}: {format_key_path(path)}: no such item in a list of {len(node)}")
        node[last] = value
    else:
        if isinstance(last, int):
            last = str(last)
            path = (*path[:-1], last)
        node[last] = value
    for p in [p for p in merged.origins if p[: len(path)] == path]:
        del merged.origins[p]
    merged.origins[path] = origin
    if len(path) == 1:
        merged.key_dirs.pop(path[0], None)


def load_experiment_yaml(yaml_file: Path, pre_yaml=(), post_yaml=(), overrides=()) -> MergedConfig:
    """Merge, in order: the --pre-yaml files, the YAML file (after its imports), the
    --post-yaml files, then the -c overrides."""
    yaml_file = Path(yaml_file)
    if not yaml_file.exists() and yaml_file.suffix not in (".yaml", ".yml") \
            and yaml_file.with_suffix(".yaml").exists():
        yaml_file = yaml_file.with_suffix(".yaml")
    if not yaml_file.is_file():
        raise ConfigError(f"{yaml_file}: file not found")
    merged = MergedConfig(yaml_file)
    for path in pre_yaml:
        load_file(Path(path), merged)
    load_file(yaml_file, merged)
    for path in post_yaml:
        load_file(Path(path), merged)
    for text in overrides:
        apply_override(merged, text)
    return merged
