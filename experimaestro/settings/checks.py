"""Checking values read from YAML against the type hints of a dataclass, recording each
problem with the file, the line and the key path (all of them are reported at once)."""

import dataclasses
import difflib
import enum
import typing
from pathlib import Path
from typing import Dict, List, Tuple

from experimaestro.yamlnodes import format_key_path

from .yamltext import KeyPath

__all__ = ["Checker", "Invalid", "kind"]


class Invalid(Exception):
    """A value that cannot be used (the reason is already recorded)."""


class Checker:
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
        self.errors.append(f"{self.where(key)}: {format_key_path(key)}: {message}")
        raise Invalid()

    def warn(self, key: KeyPath, message: str):
        self.warnings.append((self.line(key), f"{self.where(key)}: {format_key_path(key)}:"
                                              f" {message}"))

    # -- from the type hints of the model ----------------------------------------------

    def record(self, cls, data, key: KeyPath, skip=()):
        """An instance of the dataclass ``cls`` from the mapping ``data`` (the keys in
        ``skip`` are left to the caller)."""
        if not isinstance(data, dict):
            self.error(key, f"expected a mapping (key: value), got {kind(data)}")
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
            except Invalid:
                failed = True
        for name, f in known.items():
            required = f.default is dataclasses.MISSING \
                and f.default_factory is dataclasses.MISSING
            if required and name not in data:
                failed = True
                self.errors.append(f"{self.where(key)}: {format_key_path(key)}: `{name}` is"
                                   " missing")
        if failed:
            raise Invalid()
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
            except Invalid:
                failed = True
        if failed:
            raise Invalid()
        return out

    def environment(self, value, key: KeyPath) -> Dict[str, str]:
        """Environment variables: numbers and booleans become strings, as in 2.x."""
        if not isinstance(value, dict):
            self.error(key, f"expected a mapping NAME: VALUE, got {kind(value)}")
        env, failed = {}, False
        for name, item in value.items():
            if isinstance(item, (str, int, float, bool)):
                env[str(name)] = str(item)
                continue
            failed = True
            hint = "; write '' for an empty value" if item is None else ""
            self.errors.append(f"{self.where((*key, name))}: {format_key_path((*key, name))}:"
                               f" expected a string, got {kind(item)}{hint}")
        if failed:
            raise Invalid()
        return env

    def _unknown(self, key: KeyPath, name, known: List[str]):
        close = difflib.get_close_matches(str(name), known, n=1)
        hint = f"; did you mean `{close[0]}`?" if close else f" (known: {', '.join(known)})"
        self.warn((*key, name), f"unknown key, ignored as experimaestro 2.x does{hint}")


def kind(value) -> str:
    """The kind of a YAML value, in words."""
    if value is None:
        return "nothing"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string",
            list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)


def _show(value) -> str:
    """A value in an error message: scalars as written, containers by their kind."""
    if value is None or isinstance(value, (list, dict)):
        return kind(value)
    return repr(value)
