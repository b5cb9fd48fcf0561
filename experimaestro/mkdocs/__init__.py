"""Documentation tooling: a MkDocs plugin that documents configuration classes.

``Documentation`` (the plugin, in :mod:`experimaestro.mkdocs.base`) needs MkDocs; it and
the submodules are loaded on first access (``experimaestro.mkdocs.base.Documentation``
works after a bare ``import experimaestro``, as in 2.x), so that importing experimaestro
stays cheap and works without MkDocs installed.
"""

_SUBMODULES = ("base", "metaloader", "annotations")


def __getattr__(name):
    import importlib

    if name == "Documentation":
        return importlib.import_module(f"{__name__}.base").Documentation
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'experimaestro.mkdocs' has no attribute {name!r}")
