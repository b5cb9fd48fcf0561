"""Tags, caching, deprecation and initializers, under the module path of experimaestro 2.x."""

from experimaestro.core.deprecation import deprecate
from experimaestro.core.tags import TagDict, stop_tags, tag, tags, tagspath
from experimaestro.core.utils import cache, initializer

__all__ = ["cache", "deprecate", "initializer", "stop_tags", "tag", "TagDict", "tags", "tagspath"]
