"""Tags: values marked with ``tag(v)``, collected from a configuration graph."""

import warnings

from .information import TaggedValue
from .walk import walk

__all__ = ["tag", "tags", "tagspath", "TagDict", "stop_tags", "collect_tags"]


class TagDict(dict):
    """A dict of tag name -> value."""


def tag(value):
    """Mark a parameter value as a tag: ``Task.C(lr=tag(0.1))``; the tag is named after
    the field."""
    wrapper = TaggedValue.of(value)
    wrapper.tagged = True
    return wrapper


def collect_tags(root) -> TagDict:
    """Tags of root and of every configuration below it (closer ones win)."""
    found: list = []
    # Fields in the order their values were set; outputs lead to the task that made
    # them; a config reached twice counts at the depth where the walk first meets it
    for cfg, path in walk(root, fields="set", init_tasks=True, producers=True,
                          stop_tags=True, paths=True):
        tags = cfg.__xpm__._tags
        if tags:
            depth = len(path)
            for k, v in tags.items():
                found.append((depth, k, v))
    result = TagDict()
    depth_of = {}
    for depth, k, v in found:
        if k in result and result[k] != v:
            if depth_of[k] == depth:
                warnings.warn(f"tag '{k}' has two values ({result[k]!r}, {v!r}); using {v!r}")
            elif depth_of[k] < depth:
                continue
        result[k] = v
        depth_of[k] = depth
    return result


class TagsAttribute:
    """``obj.__tags__``: the tags of a configuration (as :func:`tags`), or of the
    configuration an instance was built from (computed once, on first use: it walks the
    graph below). The task run by a job reads there the job's tags (2.x's
    ``self.__tags__``)."""

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        if getattr(obj, "__xpm__", None) is not None:
            return collect_tags(obj)  # a configuration: its tags may still change
        config = obj.__dict__.get("__config__")
        found = collect_tags(config) if config is not None else TagDict()
        obj.__dict__["__tags__"] = found
        return found


def tags(value) -> TagDict:
    """The tags of a configuration (and of those below it)."""
    from .config import _check_config

    _check_config("tags", value)
    return collect_tags(value)


def tagspath(value) -> str:
    """``key=value`` pairs of the tags, sorted by key, joined with ``_``."""
    return "_".join(f"{k}={v}" for k, v in sorted(collect_tags(value).items()))


def stop_tags(value):
    """The tags found below this value stay there: ``Task.C(model=stop_tags(model))``,
    or ``submit(init_tasks=[stop_tags(init_task)])``; combines with :func:`tag`."""
    wrapper = TaggedValue.of(value)
    wrapper.stop_tags = True
    return wrapper
