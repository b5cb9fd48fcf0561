"""The ``--filter`` language of ``experimaestro jobs``.

::

    expr       := and_expr ("or" and_expr)*
    and_expr   := unary ("and" unary)*
    unary      := "not" unary | "(" expr ")" | KEY ("=" | "==" | "!=") VALUE
    KEY, VALUE := a word (letters, digits, . _ - / : + *) or a quoted string

Keys: ``state`` (done, failed, running, pending; or a failure reason such as cancelled),
``reason``, ``type`` (or ``task``: the type id, or its last part), ``experiment``, ``id``
(an identifier prefix); any other key is a tag (``tag.NAME`` for a tag named like a key). Numbers compare as numbers (``lr=0.10``
matches the tag 0.1); a missing tag makes ``=`` false and ``!=`` true.
"""

import re
from typing import Callable, List, Optional, Tuple

from experimaestro.jobfolder import FailureReason

__all__ = ["FilterError", "parse_filter"]


#: the states of a job as listed, 2.x's names for some of them, and (a state too: the
#: failed jobs with this reason) the reasons of a failure
STATES = ("done", "failed", "running", "queued", "pending")
STATE_ALIASES = {"error": "failed", "waiting": "pending", "unscheduled": "pending"}
STATE_NAMES = (*STATES, *(r.value for r in FailureReason if r.value not in STATES),
               *STATE_ALIASES)


class FilterError(ValueError):
    def __init__(self, text: str, position: int, message: str):
        self.text, self.position = text, position
        super().__init__(f"{message} at position {position + 1}:\n  {text}\n  {' ' * position}^")


_TOKEN = re.compile(r"""\s*(?:(?P<op>!=|==|=|\(|\))|(?P<str>"[^"]*"|'[^']*')|(?P<word>[^\s()=!"']+))""")


def _tokens(text: str) -> List[Tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            start = pos + len(text[pos:]) - len(text[pos:].lstrip())
            if text[start] in "\"'":
                raise FilterError(text, start, "unclosed quote")
            raise FilterError(text, start, f"unexpected character {text[start]!r}")
        start = m.start(m.lastgroup)
        kind, value = m.lastgroup, m.group(m.lastgroup)
        if kind == "str":
            value = value[1:-1]
        elif kind == "word" and value.lower() in ("and", "or", "not"):
            kind, value = "kw", value.lower()
        out.append((kind, value, start))
        pos = m.end()
    out.append(("end", "", len(text)))
    return out


Predicate = Callable[[object], bool]


class _Parser:
    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokens(text)
        self.i = 0

    def peek(self):
        return self.tokens[self.i]

    def next(self):
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, message: str, token=None):
        token = token or self.peek()
        raise FilterError(self.text, token[2], message)

    def parse(self) -> Predicate:
        if self.peek()[0] == "end":
            self.fail("empty filter: expected KEY=VALUE")
        pred = self.expr()
        if self.peek()[0] != "end":
            self.fail(f"expected `and`, `or` or the end, got {self.peek()[1]!r}")
        return pred

    def expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.peek()[:2] == ("kw", "or"):
            self.next()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda job: any(p(job) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.unary()]
        while self.peek()[:2] == ("kw", "and"):
            self.next()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else (lambda job: all(p(job) for p in parts))

    def unary(self) -> Predicate:
        kind, value, _ = self.peek()
        if (kind, value) == ("kw", "not"):
            self.next()
            inner = self.unary()
            return lambda job: not inner(job)
        if (kind, value) == ("op", "("):
            self.next()
            inner = self.expr()
            if self.peek()[:2] != ("op", ")"):
                self.fail("expected `)`")
            self.next()
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        kind, key, _ = self.next()
        if kind not in ("word", "str"):
            self.fail("expected KEY=VALUE", self.tokens[self.i - 1])
        kind, op, _ = self.next()
        if kind != "op" or op not in ("=", "==", "!="):
            self.fail(f"expected `=` or `!=` after {key!r}", self.tokens[self.i - 1])
        kind, value, _ = self.next()
        if kind not in ("word", "str"):
            self.fail(f"expected a value after {op!r}", self.tokens[self.i - 1])
        if key.lower() == "state" and value.lower() not in STATE_NAMES:
            self.fail(f"unknown state {value!r} (the states are {', '.join(STATE_NAMES)})",
                      self.tokens[self.i - 1])
        test = _comparison(key, value)
        if op == "!=":
            return lambda job: not test(job)
        return test


def _same(actual, expected: str) -> bool:
    if actual is None:
        return False
    if isinstance(actual, bool):
        return str(actual).lower() == expected.lower()
    text = str(actual)
    if text == expected:
        return True
    try:
        return float(text) == float(expected)
    except ValueError:
        return False


def _comparison(key: str, value: str) -> Predicate:
    name = key.lower()
    if name.startswith("tag.") and len(key) > 4:
        tag = key[4:]
        return lambda job: tag in job.tags and _same(job.tags[tag], value)
    if name == "state":
        wanted = STATE_ALIASES.get(value.lower(), value.lower())
        return lambda job: job.state == wanted or (job.state == "failed"
                                                   and (job.reason or "failed") == wanted)
    if name == "reason":
        return lambda job: (job.reason or "") == value.lower()
    if name in ("type", "task"):
        wanted = value.lower()
        return lambda job: (job.type_id == wanted or job.name == wanted
                            or job.type_id.endswith("." + wanted))
    if name in ("experiment", "xp"):
        return lambda job: value in job.experiments
    if name in ("id", "job"):
        wanted = value.lower()
        return lambda job: job.identifier.startswith(wanted)
    return lambda job: key in job.tags and _same(job.tags[key], value)


def parse_filter(text: Optional[str]) -> Optional[Predicate]:
    """A predicate on JobInfo, or None for an empty filter; raises FilterError."""
    if text is None:
        return None
    return _Parser(text).parse()
