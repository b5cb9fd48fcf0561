"""The error of a sweep that cannot be built or indexed as written."""

from typing import Any, List, Tuple

from experimaestro.yamlnodes import format_key_path

__all__ = ["SweepError", "KeyPath"]

#: Where a problem is, inside the plain (YAML) form of a sweep: ("product", 0, "grid", "lr")
KeyPath = Tuple[Any, ...]


class SweepError(ValueError):
    """A sweep defined wrongly: ``problems`` lists (key path, message), the key path
    being the place of the problem in the plain (YAML) form of the sweep."""

    def __init__(self, problems: List[Tuple[KeyPath, str]]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{format_key_path(path)}: {message}" if path else message
                                   for path, message in self.problems))

    def under(self, *prefix) -> "SweepError":
        """The same problems, their key paths below ``prefix``."""
        return SweepError([((*prefix, *path), message) for path, message in self.problems])
