"""Partial identifiers: an identifier computed on a subset of parameter groups.

Tasks that differ only in excluded groups share the folder of a ``PathGenerator(...,
partial=...)`` (e.g. checkpoints shared across training lengths):
``WORKSPACE/partials/<type id>/<partial name>/<partial identifier>/``, as in 2.x. The
partial identifier is the identifier of the configuration without the excluded
parameters (configurations it holds keep their whole identifier); the name is the class
attribute holding the partial (``checkpoints = partial(...)``).
"""

from typing import Optional

from .arguments import ParameterGroup
from .identifier import _Hasher

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
        #: the class attribute holding it (set when its class is analysed)
        self.name = None

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
    def folder_name(self) -> str:
        """The folder below the type's partials: the attribute name. A partial given
        inline to a PathGenerator has none (2.x fails there): its excluded groups then."""
        if self.name is not None:
            return self.name
        return "-".join(sorted(g.name for g in self.exclude_groups)) or "partial"

    def __repr__(self):
        groups = ", ".join(sorted(g.name for g in self.exclude_groups))
        return f"partial({self.name or '?'}: exclude {groups or 'nothing'})"


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
    """Hex identifier of the config without the parameters that `spec` excludes."""
    otype = type(config).__xpm_user_class__.__xpmtype__
    excluded = frozenset(name for name, arg in otype.arguments.items() if not spec.includes(arg))
    return _Hasher().digest(config, skip=excluded).hex()
