"""Reading settings.yaml into the model: every key is checked.

- A value of the wrong type, or a missing ``id`` / ``path``, is an error (all of them in
  one message, each with ``file:line`` and the key path), as 2.x refuses them too.
- An unknown key is a warning naming the key, the file and the line (with the closest
  known key). 2.x ignores unknown keys silently, so a file written for 2.x — or for a
  newer 2.x with keys we do not know — keeps working; the warning makes a misspelled key
  visible instead of leaving it without effect.
- ``${env:VAR}`` (also ``${env.VAR}``, ``${oc.env:VAR}``, ``${oc.env.VAR}``) in a value
  is replaced by the variable, as in 2.x; an unset variable stays as written, with a
  warning.
"""

import dataclasses
import difflib
import enum
import logging
import os
import re
import typing
from pathlib import Path
from typing import Dict, List, Tuple

from .model import HistorySettings, Settings, SettingsError, WorkspaceSettings
from .yamltext import KeyPath, format_key, read_yaml_with_lines

__all__ = ["read_settings"]

logger = logging.getLogger("xpm.settings")

ENV_REFERENCE = re.compile(r"\$\{(?:oc\.)?env[:.]([^}]+)\}")


class _Invalid(Exception):
    """A value that cannot be used (the reason is already recorded)."""


class _Reader:
    """Checks the data of one file, recording errors and warnings with their place."""

    def __init__(self, path: Path, lines: Dict[KeyPath, int]):
        self.path = path
        self.lines = lines
        self.errors: List[str] = []
        self.warnings: List[Tuple[int, str]] = []  # (line, message)

    def line(self, key: KeyPath) -> int:
        """The line of ``key``, or of its closest parent that has one (0: none)."""
        while key not in self.lines and key:
            key = key[:-1]
        return self.lines.get(key, 0)

    def where(self, key: KeyPath) -> str:
        line = self.line(key)
        return f"{self.path}:{line}" if line else str(self.path)

    def error(self, key: KeyPath, message: str):
        self.errors.append(f"{self.where(key)}: {format_key(key)}: {message}")
        raise _Invalid()

    def warn(self, key: KeyPath, message: str):
        self.warnings.append((self.line(key), f"{self.where(key)}: {format_key(key)}:"
                                              f" {message}"))

    # -- generic checks, from the type hints of the model ------------------------------

    def record(self, cls, data, key: KeyPath, skip=()):
        """An instance of the dataclass ``cls`` from the mapping ``data`` (the keys in
        ``skip`` are left to the caller)."""
        if not isinstance(data, dict):
            self.error(key, f"expected a mapping (key: value), got {_kind(data)}")
        hints = typing.get_type_hints(cls)
        known = {f.name: f for f in dataclasses.fields(cls)}
        values, failed = {}, False
        for name, value in data.items():
            if name in skip:
                continue
            if name not in known:
                self._unknown(key, name, list(known))
                continue
            try:
                values[name] = self.value(value, hints[name], (*key, name))
            except _Invalid:
                failed = True
        for name, f in known.items():
            required = f.default is dataclasses.MISSING \
                and f.default_factory is dataclasses.MISSING
            if required and name not in data:
                failed = True
                self.errors.append(f"{self.where(key)}: {format_key(key)}: `{name}` is"
                                   " missing")
        if failed:
            raise _Invalid()
        return cls(**values)

    def value(self, value, hint, key: KeyPath):
        origin = typing.get_origin(hint)
        if origin is typing.Union:
            inner = [a for a in typing.get_args(hint) if a is not type(None)][0]
            return None if value is None else self.value(value, inner, key)
        if origin is list:
            return self.items(value, typing.get_args(hint)[0], key)
        if origin is dict:
            return self.environment(value, key)
        if dataclasses.is_dataclass(hint):
            return self.record(hint, value, key)
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            choices = [m.value for m in hint]
            if value not in choices:
                self.error(key, f"expected one of {', '.join(choices)}, got {value!r}")
            return hint(value)
        return self.scalar(value, hint, key)

    def scalar(self, value, hint, key: KeyPath):
        if hint is bool:
            if not isinstance(value, bool):
                self.error(key, f"expected true or false, got {_show(value)}")
        elif hint is int:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.error(key, f"expected a whole number >= 0, got {_show(value)}")
        elif hint is float:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.error(key, f"expected a number, got {_show(value)}")
            value = float(value)
        elif hint in (str, Path):
            if not isinstance(value, str) or (hint is Path and not value):
                what = "a path" if hint is Path else "a string"
                self.error(key, f"expected {what}, got {_show(value)}")
            value = hint(value)
        return value

    def items(self, value, hint, key: KeyPath) -> list:
        if not isinstance(value, list):
            self.error(key, f"expected a list, got {_show(value)} (write `[a, b]`, or one"
                            " `- item` per line)")
        out, failed = [], False
        for i, item in enumerate(value):
            try:
                out.append(self.value(item, hint, (*key, i)))
            except _Invalid:
                failed = True
        if failed:
            raise _Invalid()
        return out

    def environment(self, value, key: KeyPath) -> Dict[str, str]:
        """Environment variables: numbers and booleans become strings, as in 2.x."""
        if not isinstance(value, dict):
            self.error(key, f"expected a mapping NAME: VALUE, got {_kind(value)}")
        env, failed = {}, False
        for name, item in value.items():
            if isinstance(item, (str, int, float, bool)):
                env[str(name)] = str(item)
                continue
            failed = True
            hint = "; write '' for an empty value" if item is None else ""
            self.errors.append(f"{self.where((*key, name))}: {format_key((*key, name))}:"
                               f" expected a string, got {_kind(item)}{hint}")
        if failed:
            raise _Invalid()
        return env

    def _unknown(self, key: KeyPath, name, known: List[str]):
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else f" (known: {', '.join(known)})"
        self.warn((*key, name), f"unknown key, ignored as experimaestro 2.x does{hint}")

    # -- the sections with rules of their own ------------------------------------------

    def settings(self, data) -> Settings:
        """The whole file (every section is checked, even after an error)."""
        try:
            settings = self.record(Settings, data, (), skip=("workspaces",))
        except _Invalid:
            settings = None
        history = settings.history if settings is not None else HistorySettings()
        workspaces = []
        if data.get("workspaces") is not None:
            try:
                workspaces = self.workspaces(data["workspaces"], history)
            except _Invalid:
                settings = None
        self._no_effect(data)
        if settings is None:
            raise _Invalid()
        settings.workspaces = workspaces
        return settings

    def workspaces(self, value, history: HistorySettings) -> List[WorkspaceSettings]:
        if not isinstance(value, list):
            self.error(("workspaces",), "expected a list of workspaces (one `- id: ...`"
                                        " entry per workspace)")
        out, failed, seen = [], False, {}
        for i, data in enumerate(value):
            key = ("workspaces", i)
            try:
                ws = self.workspace(data, key, history)
            except _Invalid:
                failed = True
                continue
            if ws.id in seen:
                self.warn((*key, "id"), f"the id {ws.id!r} is already used by"
                                        f" workspaces[{seen[ws.id]}]; `--workspace {ws.id}`"
                                        " chooses that first one")
            seen.setdefault(ws.id, i)
            out.append(ws)
        if failed:
            raise _Invalid()
        return out

    def workspace(self, data, key: KeyPath, history: HistorySettings) -> WorkspaceSettings:
        ws = self.record(WorkspaceSettings, data, key, skip=("history",))
        if "history" in data:
            ws.history = self.history_override(data["history"], (*key, "history"), history)
        ws._origins = {None: self.where(key),
                       **{name: self.where((*key, name)) for name in data}}
        return ws

    def history_override(self, value, key: KeyPath, top: HistorySettings):
        """A workspace's history: each key given wins over the top-level one."""
        given = self.record(HistorySettings, value, key)
        merged = dataclasses.asdict(top)
        merged.update({name: getattr(given, name) for name in value
                       if name in merged})
        return HistorySettings(**merged)

    def _no_effect(self, data):
        """2.x keys about features not provided here, that change nothing for the jobs."""
        if "server" in data:
            self.warn(("server",), "2.x's web server (run-experiment --web) is not provided"
                                   " here: these values have no effect")
        carbon = data.get("carbon")
        if isinstance(carbon, dict) and carbon.get("enabled", True) is not False:
            self.warn(("carbon",), "carbon tracking (CodeCarbon) is not provided here: no"
                                   " emission is recorded (write `enabled: false` to say so"
                                   " and silence this)")


def _kind(value) -> str:
    if value is None:
        return "nothing"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def _show(value) -> str:
    """A value in an error message: scalars as written, containers by their kind."""
    if value is None or isinstance(value, (list, dict)):
        return _kind(value)
    return repr(value)


def _interpolate(value, key: KeyPath, unset: List[Tuple[KeyPath, str]]):
    """``${env:VAR}`` replaced in every string value; a variable that is not set is
    added to ``unset`` (key, reference) and stays as written, as in 2.x."""
    if isinstance(value, dict):
        return {k: _interpolate(v, (*key, k), unset) for k, v in value.items()}
    if isinstance(value, list):
        return [_interpolate(v, (*key, i), unset) for i, v in enumerate(value)]
    if isinstance(value, str):
        def replace(match):
            found = os.environ.get(match.group(1))
            if found is None:
                unset.append((key, match.group(0)))
                return match.group(0)
            return found

        return ENV_REFERENCE.sub(replace, value)
    return value


def read_settings(path: Path) -> Settings:
    """The settings of ``path``; warnings are logged once per call."""
    data, lines, twice = read_yaml_with_lines(path)
    reader = _Reader(path, lines)
    reader.warnings.extend(twice)
    if data is None:
        settings = Settings()
    elif not isinstance(data, dict):
        raise SettingsError(f"{path}: expected a mapping at the top level (keys such as"
                            f" `workspaces:` and `env:`), got {_kind(data)}")
    else:
        unset: List[Tuple[KeyPath, str]] = []
        data = _interpolate(data, (), unset)
        for key, reference in unset:
            reader.warn(key, f"{reference}: the environment variable is not set; the text"
                             " is kept as written")
        try:
            settings = reader.settings(data)
        except _Invalid:
            settings = None
    warnings = [text for _, text in sorted(reader.warnings, key=lambda w: w[0])]
    if reader.errors:
        # the warnings too: an unknown key is often the misspelling of a missing one
        problems = reader.errors + [f"(warning) {w}" for w in warnings]
        raise SettingsError(f"invalid settings file {path}:\n  - " + "\n  - ".join(problems))
    for warning in warnings:
        logger.warning("%s", warning)
    settings.source = path
    return settings

