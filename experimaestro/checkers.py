"""Value checkers, given as annotations: ``mode: Param[Annotated[str, Choices(["a", "b"])]]``.

A checker constrains the values of a field beyond its type; a value it refuses is an error
when it is set (and at seal). Checkers do not change identifiers.
"""

__all__ = ["Checker", "Choices"]


class Checker:
    """Base class: ``check(value)`` says whether a value is accepted; ``str(checker)``
    says what is accepted (it appears in error messages)."""

    def check(self, value) -> bool:
        raise TypeError(f"{type(self).__name__} must define check(value)")

    def __str__(self):
        return type(self).__name__


class Choices(Checker):
    """The value must be one of `choices` (compared with ``==``)."""

    def __init__(self, choices):
        self.choices = list(choices)

    def check(self, value) -> bool:
        return any(value == choice for choice in self.choices)

    def __str__(self):
        return "one of " + ", ".join(repr(c) for c in self.choices)

    def __repr__(self):
        return f"Choices({self.choices!r})"
