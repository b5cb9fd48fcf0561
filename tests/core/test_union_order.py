"""Importing experimaestro must not change the order of a user's unions.

typing caches Union[...] by equality, and Union[int, float] == Union[float, int]: once a
module has evaluated one order, the other comes back in that order. The order decides
which type converts a value first (0 in float | int is 0.0), hence identifiers. So our
modules keep such annotations as text (6a7561e once broke a 2.x identifier this way)."""

import subprocess
import sys

import pytest

#: what a user's experiment may have loaded before declaring its configurations
MODULES = ["experimaestro", "experimaestro.metrics", "experimaestro.progress",
           "experimaestro.yamlnodes", "experimaestro.sweeps", "experimaestro.index.results",
           "experimaestro.scheduler", "experimaestro.experiments", "experimaestro.cli",
           "experimaestro.settings", "experimaestro.launcherfinder"]

PAIRS = [("int", "float"), ("float", "int"), ("int", "str"), ("str", "int"),
         ("float", "str"), ("str", "float"), ("bool", "int"), ("int", "bool")]


@pytest.mark.parametrize("first,second", PAIRS)
def test_importing_experimaestro_keeps_the_order_of_unions(first, second):
    code = "\n".join([
        "import importlib, typing",
        f"for name in {MODULES!r}: importlib.import_module(name)",
        "import experimaestro",
        "for name in experimaestro.__all__: getattr(experimaestro, name, None)",
        f"union = typing.Union[{first}, {second}]",
        f"assert union.__args__ == ({first}, {second}), union",
        f"optional = typing.Optional[typing.Union[{first}, {second}]]",
        f"assert optional.__args__ == ({first}, {second}, type(None)), optional",
    ])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
