"""Tags, caching, deprecation and initializers, under the module path of experimaestro 2.x."""

from experimaestro.core.arguments import Array
from experimaestro.core.deprecation import deprecate
from experimaestro.core.generators import STDERR, STDOUT
from experimaestro.core.tags import TagDict, stop_tags, tag, tags, tagspath
from experimaestro.core.utils import cache, config_only, initializer

__all__ = ["Array", "cache", "config_only", "deprecate", "initializer", "STDERR", "STDOUT",
           "stop_tags", "tag", "TagDict", "tags", "tagspath"]
