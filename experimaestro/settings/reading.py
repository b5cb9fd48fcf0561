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
import logging
import os
import re
from pathlib import Path
from typing import List, Tuple

from .checks import Checker, Invalid, kind
from .model import HistorySettings, Settings, SettingsError, WorkspaceSettings
from .yamltext import KeyPath, read_yaml_with_lines

__all__ = ["read_settings"]

logger = logging.getLogger("xpm.settings")

ENV_REFERENCE = re.compile(r"\$\{(?:oc\.)?env[:.]([^}]+)\}")


class _Reader(Checker):
    """The sections of settings.yaml with rules of their own."""

    def settings(self, data) -> Settings:
        """The whole file (every section is checked, even after an error)."""
        try:
            settings = self.record(Settings, data, (), skip=("workspaces",))
        except Invalid:
            settings = None
        history = settings.history if settings is not None else HistorySettings()
        workspaces = []
        if data.get("workspaces") is not None:
            try:
                workspaces = self.workspaces(data["workspaces"], history)
            except Invalid:
                settings = None
        self._no_effect(data)
        if settings is None:
            raise Invalid()
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
            except Invalid:
                failed = True
                continue
            if ws.id in seen:
                self.warn((*key, "id"), f"the id {ws.id!r} is already used by"
                                        f" workspaces[{seen[ws.id]}]; `--workspace {ws.id}`"
                                        " chooses that first one")
            seen.setdefault(ws.id, i)
            out.append(ws)
        if failed:
            raise Invalid()
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
        server = data.get("server")
        if isinstance(server, dict) and server.get("autohost") not in (None, "fqdn", "name"):
            self.warn(("server", "autohost"), f"{server['autohost']!r} is not a kind of"
                      " host name (fqdn or name): no effect")
        carbon = data.get("carbon")
        if isinstance(carbon, dict) and carbon.get("enabled", True) is not False:
            self.warn(("carbon",), "carbon tracking (CodeCarbon) is not provided here: no"
                                   " emission is recorded (write `enabled: false` to say so"
                                   " and silence this)")


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
                            f" `workspaces:` and `env:`), got {kind(data)}")
    else:
        unset: List[Tuple[KeyPath, str]] = []
        data = _interpolate(data, (), unset)
        for key, reference in unset:
            reader.warn(key, f"{reference}: the environment variable is not set; the text"
                             " is kept as written")
        try:
            settings = reader.settings(data)
        except Invalid:
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

