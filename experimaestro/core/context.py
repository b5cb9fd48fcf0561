"""Contexts used when walking configurations: generation (paths) and serialization.

The classes live in :mod:`experimaestro.core.generators` and
:mod:`experimaestro.core.serialization`; this module keeps the import path of 2.x.
"""

from .generators import ConfigWalkContext
from .serialization import SerializationContext, SerializedPath, SerializedPathLoader

__all__ = ["ConfigWalkContext", "SerializationContext", "SerializedPath", "SerializedPathLoader"]
