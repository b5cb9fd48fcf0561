"""Marking methods to be listed in the generated documentation."""

__all__ = ["documentation", "shoulddocument"]

_MARK = "__experimaestro_documentation__"


def documentation(method):
    """Decorator: list this method in the documentation of its configuration class."""
    setattr(method, _MARK, True)
    return method


def shoulddocument(method) -> bool:
    """True when `method` was decorated with :func:`documentation`."""
    return getattr(method, _MARK, False) is True
