"""Documentation tooling: a MkDocs plugin that documents configuration classes.

``Documentation`` (the plugin, in :mod:`experimaestro.mkdocs.base`) needs MkDocs; it is
loaded on first access so that ``import experimaestro.mkdocs`` stays cheap and works
without MkDocs installed.
"""


def __getattr__(name):
    if name == "Documentation":
        from .base import Documentation

        return Documentation
    raise AttributeError(f"module 'experimaestro.mkdocs' has no attribute {name!r}")
