"""Errors raised by the configuration core, each naming where the problem is."""


class ValidationError(ValueError):
    """A value does not fit the declared type of a field (or a required one is missing)."""


class SealedError(AttributeError):
    """A sealed (submitted or frozen) configuration was modified."""


class UnsetFieldError(AttributeError, KeyError):
    """A required field that has no value was read. Both an AttributeError (``hasattr``
    and ``getattr(cfg, name, default)`` work) and a KeyError (experimaestro 2.x raises
    KeyError there, and client packages catch it)."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class IdentifierError(ValueError):
    """A value cannot be part of an identifier."""


class Invalid(Exception):
    """Internal: raised by type descriptors; the caller adds the class and field path."""

    __slots__ = ("expected", "value", "subpath", "hint")

    def __init__(self, expected: str, value, subpath: str = "", hint: str = ""):
        self.expected = expected
        self.value = value
        self.subpath = subpath
        self.hint = hint

    def at(self, prefix: str) -> "Invalid":
        self.subpath = prefix + self.subpath
        return self

    def message(self, where: str) -> str:
        v = self.value
        shown = repr(v)
        if len(shown) > 80:
            shown = shown[:77] + "..."
        msg = f"{where}{self.subpath}: expected {self.expected}, got {describe_type(v)} {shown}"
        if self.hint:
            msg += f" ({self.hint})"
        return msg


def describe_type(value) -> str:
    xpm = getattr(type(value), "__xpm_user_class__", None)
    if xpm is not None:
        return f"configuration {xpm.__qualname__}"
    return type(value).__name__
