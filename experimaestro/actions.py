"""Experiment actions: operations on results, registered by an experiment and run later.

An :class:`Action` is a configuration (it holds, for instance, the output of a training
task) with ``describe()`` and ``execute(interaction)``. ``xp.add_action(action)`` records it
in the run folder (``actions.jsonl``); ``experimaestro actions list`` shows the actions of an
experiment and ``experimaestro actions run`` executes one, asking its questions through an
:class:`Interaction` (answers can be given in advance with ``--set key=value``).
"""

from abc import ABC, abstractmethod
from typing import Dict, List, Optional

import click

from experimaestro.core.config import Config

__all__ = ["Action", "Interaction", "CLIInteraction"]


class Interaction(ABC):
    """How an action asks the user questions; each question has a `key`, so that answers
    can be given in advance."""

    @abstractmethod
    def choice(self, key: str, label: str, choices: List[str]) -> str:
        """One of `choices`."""

    @abstractmethod
    def checkbox(self, key: str, label: str, *, default: bool = False) -> bool:
        """A yes/no answer."""

    @abstractmethod
    def text(self, key: str, label: str, *, default: str = "") -> str:
        """A free text answer."""


_TRUE = ("true", "yes", "y", "1", "on")
_FALSE = ("false", "no", "n", "0", "off")


class CLIInteraction(Interaction):
    """Questions asked on the terminal; `prefill` (key -> answer) answers some in advance
    (``--set key=value`` of ``experimaestro actions run``)."""

    def __init__(self, prefill: Optional[Dict[str, str]] = None):
        self._prefill = dict(prefill or {})

    def choice(self, key: str, label: str, choices: List[str]) -> str:
        if key in self._prefill:
            value = self._prefill[key]
            if value not in choices:
                raise click.BadParameter(
                    f"{value!r} is not one of {', '.join(map(repr, choices))}",
                    param_hint=f"--set {key}=...")
            return value
        click.echo(f"{label} (--set {key}=...)")
        for i, c in enumerate(choices, 1):
            click.echo(f"  {i}) {c}")
        index = click.prompt("Select", type=click.IntRange(1, len(choices)))
        return choices[index - 1]

    def checkbox(self, key: str, label: str, *, default: bool = False) -> bool:
        if key in self._prefill:
            value = self._prefill[key].lower()
            if value in _TRUE:
                return True
            if value in _FALSE:
                return False
            raise click.BadParameter(f"{value!r} is not a yes/no answer (true or false)",
                                     param_hint=f"--set {key}=...")
        return click.confirm(f"{label} (--set {key}=true|false)", default=default)

    def text(self, key: str, label: str, *, default: str = "") -> str:
        if key in self._prefill:
            return self._prefill[key]
        return click.prompt(f"{label} (--set {key}=...)", default=default or None)


class Action(Config):
    """An operation on the results of an experiment (export a model, publish scores...).

    Subclasses declare parameters like any configuration and implement ``describe()`` and
    ``execute(interaction)``.
    """

    @abstractmethod
    def describe(self) -> str:
        """One line saying what the action does."""

    @abstractmethod
    def execute(self, interaction: Interaction) -> None:
        """Do it, asking questions through `interaction`."""
