"""Reading a YAML file as data and as nodes (which know their line), for the files whose
errors point at a line: experiment files and settings.yaml."""

# Annotations stay text: evaluating Union[int, float] here would put it in typing's cache,
# and a user's Union[float, int] would then come back as Union[int, float], changing
# which type converts a value first (and so identifiers: 0 in float | int is 0.0)
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Optional, Tuple, Union

__all__ = ["load_yaml_node", "format_key_path", "yaml_number"]


def yaml_number(value) -> Optional[Union[int, float]]:
    """A number, or the number a string writes (YAML 1.1 reads ``1e-4`` as a string);
    None for anything else (booleans included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        for kind in (int, float):
            try:
                return kind(value)
            except ValueError:
                pass
    return None


def format_key_path(path) -> str:
    """``workspaces[1].history.max_done`` for ("workspaces", 1, "history", "max_done")."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "(top level)"


def load_yaml_node(path: Path, error: Callable[[str], Exception],
                   what: str = "file") -> Tuple[Any, Any]:
    """(data, root node or None) of the YAML file `path`; raises ``error(message)`` for a
    missing or unreadable file or invalid YAML, with ``file:line:column``."""
    import yaml  # (only drivers read YAML files: `import experimaestro` stays light)

    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror})") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        what = exc.problem or exc.context or "syntax error"
        if exc.context and exc.problem and exc.context_mark is not None:
            cm = exc.context_mark
            what += f" ({exc.context} at line {cm.line + 1}, column {cm.column + 1})"
        raise error(f"{where}: invalid YAML: {what}") from None
    except yaml.YAMLError as exc:
        raise error(f"{path}: invalid YAML: {exc}") from None
    finally:
        loader.dispose()
    return data, node
