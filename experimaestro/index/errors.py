"""The errors of the workspace index that a command reports as they are (their message
says what, where and how to fix it): a module of its own, cheap to import at start-up."""

__all__ = ["IndexConfigError", "IndexUnavailable"]


class IndexConfigError(ValueError):
    """The index configuration of a workspace (``.experimaestro/index.json``) cannot be
    used."""


class IndexUnavailable(Exception):
    """The database of the index cannot be used now (a server down, unreachable, or
    refusing us): the message says which, where it is configured and how to fix it."""
