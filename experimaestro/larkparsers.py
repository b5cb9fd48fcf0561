"""The parsers of our little languages (requirement strings, job filters), built from their
lark grammar on first use: importing lark costs ~50 ms that only a parse should pay."""

from functools import lru_cache
from pathlib import Path

__all__ = ["lalr_parser"]


@lru_cache(maxsize=None)
def lalr_parser(grammar: Path):
    from lark import Lark

    return Lark(Path(grammar).read_text(encoding="utf-8"), parser="lalr")
