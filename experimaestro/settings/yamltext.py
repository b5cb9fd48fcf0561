"""A YAML file read with the line of each key, so that the errors about settings.yaml can
point at them."""

from pathlib import Path
from typing import Any, Dict, List, Tuple

from experimaestro.yamlnodes import format_key_path, load_yaml_node

from .model import SettingsError

__all__ = ["KeyPath", "read_yaml_with_lines"]

KeyPath = Tuple[Any, ...]


def read_yaml_with_lines(path: Path) -> Tuple[Any, Dict[KeyPath, int], List[Tuple[int, str]]]:
    """(data, the 1-based line of each key path, (line, warning) for keys given twice)."""
    data, node = load_yaml_node(path, SettingsError, "settings file")
    lines: Dict[KeyPath, int] = {}
    twice: List[Tuple[int, str]] = []
    if node is not None:
        _collect_lines(node, (), lines, twice, path)
    return data, lines, twice


def _collect_lines(node, path: KeyPath, lines: Dict[KeyPath, int], twice: list,
                   source: Path):
    import yaml

    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            sub = (*path, key_node.value)
            line = key_node.start_mark.line + 1
            if sub in lines:
                # YAML keeps the last value: say so rather than drop the first silently
                twice.append((line, f"{source}:{line}: {format_key_path(sub)}: given twice (first"
                                    f" at line {lines[sub]}); the last value is used"))
            lines[sub] = line
            _collect_lines(value_node, sub, lines, twice, source)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            sub = (*path, i)
            lines[sub] = item.start_mark.line + 1
            _collect_lines(item, sub, lines, twice, source)
