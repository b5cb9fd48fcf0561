"""Tools for the maintainers of packages built on experimaestro.

- :mod:`experimaestro.tools.documentation`: check that every configuration class of a
  package is documented (:class:`~experimaestro.tools.documentation.DocumentationAnalyzer`).
"""
