"""Reading the ``--filter`` expressions of ``experimaestro jobs`` into predicates on jobs.

Both languages are accepted, and may be mixed: ours (``state=failed and lr=0.1``,
``!=``, ``not``, parentheses, unquoted values) and experimaestro 2.x's (``@state =
"done"``, ``@name``, ``~`` for a regular expression, ``in [...]`` / ``not in [...]``).
The grammar is in ``filter.lark``; the keys are in ``fields.py``. lark is imported
on the first filter read, not with the command line.
"""

import operator
import re
from functools import reduce
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Tuple

from experimaestro.larkparsers import lalr_parser

from .fields import STATE_NAMES, Field, UnknownField, canonical_state, field_for

__all__ = ["FilterError", "Filter", "parse_filter", "Predicate"]

GRAMMAR = Path(__file__).with_name("filter.lark")

Predicate = Callable[[object], bool]

#: How the terminals of the grammar are named in "expected ..." messages, in this order
#: (VALUE and NOT_IN stand for terminals named differently where they appear together)
_TERMINALS = {
    "VALUE": ["a value (a word or a quoted string)"],
    "ATFIELD": ['a comparison (state=done, @state = "done", model in ["a", "b"]...)'],
    "NOT": ["`not`"],
    "_LPAR": ["`(`"],
    "OPERATOR": ["`=`", "`!=`", "`<`", "`<=`", "`>`", "`>=`"],
    "TILDE": ["`~`"],
    "IN": ["`in`"],
    "NOT_IN": ["`in`", "`not in`"],
    "BOOLOP": ["`and`", "`or`"],
    "_RPAR": ["`)`"],
    "_LBRA": ["`[`"],
    "_COMMA": ["`,`"],
    "_RBRA": ["`]`"],
    "$END": ["the end"],
}


class FilterError(ValueError):
    """A filter that cannot be read: what, where (a caret under the position), and what
    was expected there."""

    def __init__(self, text: str, position: int, message: str):
        self.text, self.position = text, position
        super().__init__(f"{message} at position {position + 1}:\n  {text}\n  {' ' * position}^")


def _lark():
    return lalr_parser(GRAMMAR)


def parse_filter(text: Optional[str]) -> Optional["Filter"]:
    """A predicate on jobs (index.jobrow.JobRow), or None when there is no filter (None,
    or only spaces: 2.x's default is the empty filter); raises FilterError."""
    if text is None or not text.strip():
        return None
    from lark.exceptions import UnexpectedCharacters, UnexpectedToken

    try:
        tree = _lark().parse(text)
    except UnexpectedToken as exc:
        raise _unexpected_token(text, exc) from None
    except UnexpectedCharacters as exc:
        raise _unexpected_character(text, exc) from None
    builder = _Builder(text)
    predicate = builder.chain(tree.children[0])
    return Filter(predicate, builder.details, _sql_terms(tree.children[0]))


class Filter:
    """A filter read from text: call it on a job. ``details``: it reads the parameters
    or metrics of jobs (load them in bulk first). ``sql``: conditions on the index's rows
    that every job it accepts meets (see index.jobindex.JobIndex.rows)."""

    __slots__ = ("predicate", "details", "sql")

    def __init__(self, predicate: Predicate, details: bool, sql: List[Tuple[str, tuple]]):
        self.predicate, self.details, self.sql = predicate, details, sql

    def __call__(self, job) -> bool:
        return self.predicate(job)


# -- syntax errors ---------------------------------------------------------------------


def _expected(names: Iterable[str]) -> str:
    names = set(names)
    if names & {"$END", "_RPAR"}:
        # After a whole comparison, `and`/`or` may always follow; the LALR parser has
        # reduced the chain before seeing the bad token, and no longer lists them
        names.add("BOOLOP")
    if "ATFIELD" in names:  # where a comparison starts, a word is its key
        names -= {"WORD", "STRING"}
    elif names & {"WORD", "STRING"}:
        names = (names - {"WORD", "STRING"}) | {"VALUE"}
    if {"NOT", "IN"} <= names:  # after a key, `not` starts `not in`
        names = (names - {"NOT", "IN"}) | {"NOT_IN"}
    described = [text for name, texts in _TERMINALS.items() if name in names for text in texts]
    described += sorted(names - set(_TERMINALS))
    if len(described) == 1:
        return described[0]
    return ", ".join(described[:-1]) + " or " + described[-1]


def _unexpected_token(text: str, exc) -> FilterError:
    token = exc.token
    if token.type == "$END":
        position, found = len(text.rstrip()), "the end"
    else:
        position, found = token.start_pos, repr(str(token))
    expected = _expected(exc.accepts or exc.expected)
    return FilterError(text, position, f"expected {expected}, got {found}")


def _unexpected_character(text: str, exc) -> FilterError:
    position = exc.pos_in_stream
    if text[position] in "\"'":
        return FilterError(text, position, f"unclosed quote: add the closing {text[position]}")
    parser = getattr(exc, "interactive_parser", None)
    expected = _expected(parser.accepts() if parser is not None else exc.allowed or ())
    return FilterError(text, position, f"expected {expected}, got {text[position]!r}")


# -- from the tree to a predicate ------------------------------------------------------


def _text(token) -> str:
    """The value of a WORD or STRING token (a string without its quotes)."""
    return str(token)[1:-1] if token.type == "STRING" else str(token)


class _Builder:
    """Turns the parse tree into nested closures; checks what only the meaning can tell
    (an unknown @field, an unknown state, a bad regular expression)."""

    def __init__(self, text: str):
        self.text = text
        #: a field reads the parameters or metrics of the jobs
        self.details = False

    def chain(self, node) -> Predicate:
        # unary (BOOLOP unary)*, read from left to right as 2.x does
        items = node.children
        first = self.unary(items[0])
        pairs = [(str(items[i]).lower(), self.unary(items[i + 1]))
                 for i in range(1, len(items), 2)]
        return reduce(_combine, pairs, first)

    def unary(self, node) -> Predicate:
        kind = node.data
        if kind == "chain":
            return self.chain(node)
        if kind == "negation":
            inner = self.unary(node.children[-1])
            return lambda job: not inner(job)
        field = self.field(node.children[0])
        last = node.children[-1]
        if kind == "compare":
            return self.compare(field, str(node.children[1]), last)
        if kind == "regex":
            return self.regex(field, last)
        values = [self.value(field, child) for child in last.children]
        if kind == "member":
            return lambda job: any(field.equals(job, v) for v in values)
        return lambda job: not any(field.equals(job, v) for v in values)  # not_member

    def field(self, node) -> Field:
        token = node.children[0]
        try:
            field = field_for(_text(token))
            self.details = self.details or field.details
            return field
        except UnknownField as exc:
            raise FilterError(self.text, token.start_pos, str(exc)) from None

    def value(self, field: Field, node) -> str:
        token = node.children[0]
        value = _text(token)
        if field.is_state and canonical_state(value) is None:
            raise FilterError(self.text, token.start_pos,
                              f"unknown state {value!r} (the states are"
                              f" {', '.join(STATE_NAMES)})")
        return value

    def compare(self, field: Field, op: str, node) -> Predicate:
        value = self.value(field, node)
        if op == "!=":
            return lambda job: not field.equals(job, value)
        if op in _ORDER:
            try:
                number = float(value)
            except ValueError:
                raise FilterError(self.text, node.children[0].start_pos,
                                  f"`{op}` compares numbers: {value!r} is not a"
                                  " number") from None
            compare = _ORDER[op]
            return lambda job: field.compares(job, compare, number)
        return lambda job: field.equals(job, value)

    def regex(self, field: Field, node) -> Predicate:
        token = node.children[0]
        try:
            pattern = re.compile(_text(token))
        except re.error as exc:
            offset = 1 if token.type == "STRING" else 0
            raise FilterError(self.text, token.start_pos + offset + (exc.pos or 0),
                              f"invalid regular expression: {exc.msg}") from None
        return lambda job: field.matches(job, pattern)


_ORDER = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def _sql_terms(node) -> List[Tuple[str, tuple]]:
    """The SQL conditions met by every job a (checked) parse tree accepts: those of its
    `key = value` comparisons joined by `and` (a chain with an `or`, a negation, a regular
    expression or a list gives none: the filter alone decides there)."""
    if node.data == "chain":
        items = node.children
        if any(str(items[i]).lower() != "and" for i in range(1, len(items), 2)):
            return []
        return [term for child in items[0::2] for term in _sql_terms(child)]
    if node.data == "compare" and str(node.children[1]) in ("=", "=="):
        term = field_for(_text(node.children[0].children[0])).sql(
            _text(node.children[2].children[0]))
        return [term] if term is not None else []
    return []


def _combine(left: Predicate, pair) -> Predicate:
    boolean, right = pair
    if boolean == "and":
        return lambda job: left(job) and right(job)
    return lambda job: left(job) or right(job)

