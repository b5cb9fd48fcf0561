"""What the keys of a job filter read from a job, and how they compare with a value.

A key names a field: ``state`` (or 2.x's ``@state``), ``reason``, ``type`` (``task``),
2.x's ``@name`` (the type id, exactly), ``experiment`` (``xp``), ``id`` (``job``: an
identifier prefix), ``tag.NAME``, ``param.NAME`` (a parameter of the task, dotted:
``param.model.hidden``), ``metric.NAME`` (the last value of a metric), or any other
word: the tag of that name. A field reads
a list of values from a job (none when the job has no such tag) and says whether one of
them is the expected value; the filter's operators (``=``, ``in``, ``~``...) are built
on that.
"""

import functools
import json
import re
from typing import Callable, List, Optional, Tuple

from experimaestro.jobfolder import FailureReason

__all__ = ["Field", "field_for", "UnknownField", "STATES", "STATE_NAMES", "canonical_state"]

#: the states of a job as listed
STATES = ("done", "failed", "running", "queued", "pending")
#: experimaestro 2.x's state names (its ``@state`` values) for ours
STATE_ALIASES = {"error": "failed", "waiting": "pending", "unscheduled": "pending",
                 "ready": "pending", "transient": "pending", "scheduled": "queued"}
#: what ``state=`` accepts: the states, the reasons of a failure (the failed jobs with
#: that reason), and 2.x's names
STATE_NAMES = (*STATES, *(r.value for r in FailureReason if r.value not in STATES),
               *STATE_ALIASES)


#: an SQL condition with its parameters (? placeholders), or None
SqlTerm = Optional[Tuple[str, tuple]]


class UnknownField(ValueError):
    """A ``@name`` field that does not exist (only 2.x's two are known)."""


@functools.lru_cache(maxsize=256)  # (filters compare each job with the same few names)
def canonical_state(name: str) -> Optional[str]:
    """Our name for a state given by the user (any case, 2.x's names too); None when
    there is no such state."""
    name = name.lower()
    if name not in STATE_NAMES:
        return None
    return STATE_ALIASES.get(name, name)


class Field:
    """A field of a job: ``read(job)`` gives its values, ``same(actual, expected)``
    compares one of them with the user's value (a string)."""

    def __init__(self, read: Callable[[object], List[object]],
                 same: Callable[[object, str], bool], is_state: bool = False,
                 details: bool = False, sql: Optional[Callable[[str], SqlTerm]] = None):
        self.read = read
        self.same = same
        #: the SQL condition on a stored row met by every job equal to a value (a
        #: prefilter: what it keeps is tested again), None when there is none
        self.sql = sql or (lambda expected: None)
        #: the values of this field are state names (checked when the filter is read)
        self.is_state = is_state
        #: it reads the parameters or metrics of a job
        self.details = details

    def equals(self, job, expected: str) -> bool:
        same = self.same
        for actual in self.read(job):  # (a loop: this runs for every job of a listing)
            if same(actual, expected):
                return True
        return False

    def compares(self, job, compare: Callable[[float, float], bool], number: float) -> bool:
        """A value compares with ``number`` (``<``, ``>=``...): values that are not numbers
        never do."""
        for actual in self.read(job):
            if isinstance(actual, bool):
                continue
            try:
                if compare(float(actual), number):
                    return True
            except (TypeError, ValueError):
                continue
        return False

    def matches(self, job, regex: re.Pattern) -> bool:
        # As 2.x: re.match, so the pattern is anchored at the start of the value
        return any(regex.match(str(actual)) for actual in self.read(job))


def _same_tag(actual, expected: str) -> bool:
    """Tag values come from JSON: numbers compare as numbers (lr=0.10 is 0.1), booleans
    in any case."""
    if isinstance(actual, bool):
        return str(actual).lower() == expected.lower()
    text = str(actual)
    if text == expected:
        return True
    try:
        return float(text) == float(expected)
    except ValueError:
        return False


def _read_state(job) -> List[str]:
    # A failed job is also in the state named by its reason (state=cancelled)
    if job.state == "failed":
        return ["failed", job.reason or "failed"]
    return [job.state]


def _same_type(type_id: str, expected: str) -> bool:
    expected = expected.lower()
    return type_id == expected or type_id.endswith("." + expected)


class _TagField(Field):
    """A tag: before decoding a job's tags (JSON), a value that can only equal a JSON
    string is looked for in their text — most jobs of a large listing fail there, for
    the cost of a substring search (and the index can do the same in SQL)."""

    def __init__(self, name: str):
        super().__init__(lambda job: [job.tags[name]] if name in job.tags else [], _same_tag,
                         sql=_tags_sql)

    def equals(self, job, expected: str) -> bool:
        needle = _json_string(expected)
        if needle is not None:
            text = getattr(job, "tags_text", None)
            if text is not None and needle not in text:
                return False
        return super().equals(job, expected)


@functools.lru_cache(maxsize=256)
def _json_string(expected: str) -> Optional[str]:
    """How ``expected`` appears in JSON text when only a string tag can equal it (see
    _same_tag: not a number, not a boolean); None otherwise."""
    if expected.lower() in ("true", "false"):
        return None
    try:
        float(expected)
        return None
    except ValueError:
        return json.dumps(expected)


def _tag(name: str) -> Field:
    return _TagField(name)


def _like(text: str) -> str:
    """``text`` for a LIKE pattern (with ESCAPE '\\')."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _tags_sql(expected: str) -> SqlTerm:
    needle = _json_string(expected)
    if needle is None:
        return None
    return "tags LIKE ? ESCAPE '\\'", (f"%{_like(needle)}%",)


#: the states a job may be stored in when it is in a state (a running job may have died:
#: failed, or still wait in a queue)
_STORED_STATES = {"done": ("done",), "failed": ("failed", "running"),
                  "running": ("running",), "queued": ("running",), "pending": ("none",)}


def _state_sql(expected: str) -> SqlTerm:
    state = canonical_state(expected)
    if state is None:
        return None
    stored = _STORED_STATES.get(state, ("failed", "running"))  # (a failure reason)
    return f"state IN ({', '.join('?' * len(stored))})", stored


def _type_sql(expected: str) -> SqlTerm:
    expected = expected.lower()
    return "(type_id = ? OR type_id LIKE ? ESCAPE '\\')", (expected, f"%.{_like(expected)}")


def _param(name: str) -> Field:
    return Field(lambda job: [job.params[name]] if name in job.params else [], _same_tag,
                 details=True)


def _metric(name: str) -> Field:
    return Field(lambda job: [job.metrics[name]] if name in job.metrics else [], _same_tag,
                 details=True)


#: the prefixes of keys naming a tag, a parameter, a metric
_PREFIXED = {"tag.": _tag, "param.": _param, "metric.": _metric}


_STATE = Field(_read_state, lambda actual, expected: actual == canonical_state(expected),
               is_state=True, sql=_state_sql)
_TYPE = Field(lambda job: [job.type_id], _same_type, sql=_type_sql)
_FIELDS = {
    "state": _STATE,
    "reason": Field(lambda job: [job.reason or ""],
                    lambda actual, expected: actual == expected.lower()),
    "type": _TYPE,
    "task": _TYPE,
    "experiment": Field(lambda job: sorted(job.experiments),
                        lambda actual, expected: actual == expected),
    "id": Field(lambda job: [job.identifier],
                lambda actual, expected: actual.startswith(expected.lower())),
}
_FIELDS["xp"] = _FIELDS["experiment"]
_FIELDS["job"] = _FIELDS["id"]

#: experimaestro 2.x's fields; ``@name`` is the job's type id (its folder), compared
#: exactly as 2.x does
_AT_FIELDS = {
    "@state": _STATE,
    "@name": Field(lambda job: [job.type_id], lambda actual, expected: actual == expected,
                   sql=lambda expected: ("type_id = ?", (expected,))),
}


def field_for(key: str) -> Field:
    """The field a key names; raises UnknownField for an unknown ``@`` field."""
    if key.startswith("@"):
        try:
            return _AT_FIELDS[key.lower()]
        except KeyError:
            raise UnknownField(f"unknown field {key!r}: the @ fields are "
                               f"{' and '.join(_AT_FIELDS)} (a tag is named without @)") from None
    name = key.lower()
    for prefix, field in _PREFIXED.items():
        if name.startswith(prefix) and len(key) > len(prefix):
            return field(key[len(prefix):])
    return _FIELDS.get(name) or _tag(key)
