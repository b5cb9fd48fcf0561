"""Values made when a task is submitted (2.x's module path ``experimaestro.generators``)."""

from experimaestro.core.generators import Generator, PathGenerator, pathgenerator

__all__ = ["Generator", "PathGenerator", "pathgenerator"]
