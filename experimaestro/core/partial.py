"""Partial identifiers: an identifier computed on a subset of parameter groups.

Tasks that differ only in excluded groups share the folder of a ``PathGenerator(...,
partial=...)`` (e.g. checkpoints shared across training lengths).
"""

from hashlib import sha256
from typing import Optional

from .arguments import ParameterGroup

__all__ = ["partial", "Partial", "partial_identifier"]


class Partial:
    """Which parameter groups a partial identifier includes."""

    def __init__(self, exclude_groups=(), include_groups=(), exclude_no_group=False,
                 exclude_all=False):
        for g in (*exclude_groups, *include_groups):
            if not isinstance(g, ParameterGroup):
                raise TypeError(f"partial(): expected groups made by param_group(), got {g!r}")
        self.exclude_groups = frozenset(exclude_groups)
        self.include_groups = frozenset(include_groups)
        self.exclude_no_group = exclude_no_group
        self.exclude_all = exclude_all

    def includes(self, arg) -> bool:
        groups = arg.groups
        if groups & self.include_groups:
            return True
        if self.exclude_all:
            return False
        if not groups:
            return not self.exclude_no_group
        return not (groups & self.exclude_groups)

    @property
    def name(self) -> str:
        parts = sorted(g.name for g in self.exclude_groups)
        return "-".join(parts) or "partial"


def partial(*, exclude_groups: Optional[list] = None, include_groups: Optional[list] = None,
            exclude_no_group: bool = False, exclude_all: bool = False,
            exclude: Optional[list] = None) -> Partial:
    """A partial identifier specification (``exclude`` is an alias of ``exclude_groups``)."""
    return Partial(
        list(exclude_groups or ()) + list(exclude or ()),
        list(include_groups or ()),
        exclude_no_group,
        exclude_all,
    )


def partial_identifier(config, spec: Partial) -> str:
    """Hex digest of the config restricted to the parameters `spec` includes."""
    from .identifier import _Hasher

    otype = type(config).__xpm_user_class__.__xpmtype__
    excluded = frozenset(name for name, arg in otype.arguments.items() if not spec.includes(arg))
    digest = _Hasher().digest(config, skip=excluded)
    return sha256(b"partial:" + spec.name.encode() + digest).hexdigest()
