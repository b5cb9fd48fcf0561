"""The --filter language of `experimaestro jobs`: ours and experimaestro 2.x's, each form,
and the errors (what, where, what was expected). On jobs made in memory; the command
line itself is tested in test_jobs.py."""

import subprocess
import sys
from types import SimpleNamespace

import pytest

from experimaestro.index.filter import FilterError, parse_filter


def job(label, state="done", reason=None, type_id="__main__.power", experiments=("xp",),
        **tags):
    """What a filter reads of a job (index.workspace.JobInfo)."""
    return SimpleNamespace(label=label, state=state, reason=reason, type_id=type_id,
                           identifier=label * 32, experiments=set(experiments), tags=tags)


JOBS = [
    job("a1", x=1, model="bm25", lr=0.1, flag=True),
    job("b2", state="failed", reason="failed", x=2, model="bert", lr=0.01),
    job("c3", x=3, model="bm25", lr=0.01, experiments=("xp", "other")),
    job("d4", state="failed", reason="cancelled", x=4, model="t5", lr=0.1),
    job("e5", state="running", type_id="pkg.mod.other", name_="a b"),
    job("f6", state="pending", type_id="pkg.mod.other", experiments=()),
]


def selected(text):
    predicate = parse_filter(text)
    return [j.label for j in JOBS if predicate(j)]


# -- ours -------------------------------------------------------------------------------


@pytest.mark.parametrize("text, names", [
    ("state=done", ["a1", "c3"]),
    ("state=failed", ["b2", "d4"]),
    ("state=cancelled", ["d4"]),  # a failure reason is a state too
    ("state!=done", ["b2", "d4", "e5", "f6"]),
    ("STATE==DONE", ["a1", "c3"]),
    ("state=error", ["b2", "d4"]),  # 2.x's names
    ("state=unscheduled", ["f6"]),
    ("reason=cancelled", ["d4"]),
    ("type=power", ["a1", "b2", "c3", "d4"]),
    ("type=mod.other", ["e5", "f6"]),
    ("task=pkg.mod.other", ["e5", "f6"]),
    ("type=od.other", []),  # dotted parts, not any suffix
    ("experiment=other", ["c3"]),
    ("xp=xp", ["a1", "b2", "c3", "d4", "e5"]),
    ("id=C3C3", ["c3"]),
    ("job=c", ["c3"]),
])
def test_our_keys(text, names):
    assert selected(text) == names


@pytest.mark.parametrize("text, names", [
    ("x=1", ["a1"]),
    ("lr=0.10", ["a1", "d4"]),  # numbers compare as numbers
    ("x=1.0", ["a1"]),
    ("flag=TRUE", ["a1"]),
    ("model='bm25'", ["a1", "c3"]),
    ('name_="a b"', ["e5"]),
    ("'model'=t5", ["d4"]),  # a quoted key
    ("tag.model=t5", ["d4"]),  # tag.NAME for a tag named like a key
    ("missing=1", []),  # a job without the tag fails =, passes !=
    ("missing!=1", ["a1", "b2", "c3", "d4", "e5", "f6"]),
])
def test_tags(text, names):
    assert selected(text) == names


@pytest.mark.parametrize("text, names", [
    ("state=done and model=bm25", ["a1", "c3"]),
    ("x=1 or x=4", ["a1", "d4"]),
    ("not state=done", ["b2", "d4", "e5", "f6"]),
    ("not (x=1 or x=2)", ["c3", "d4", "e5", "f6"]),
    ("(x=1 or x=4) and state!=failed", ["a1"]),
    ("x=1 OR x=2 And Not model=bert", ["a1"]),  # keywords in any case
    # and/or: same precedence, from left to right (as 2.x): (failed or t5) and x=4
    ("state=failed or model=t5 and x=4", ["d4"]),
    ("state=failed or (model=t5 and x=4)", ["b2", "d4"]),
    ("x=1 and model=bm25 or x=2", ["a1", "b2"]),
])
def test_combinations(text, names):
    assert selected(text) == names


def test_words_that_start_like_keywords_are_words():
    for key in ("andrew", "notes", "index", "order", "in", "or"):
        assert selected(f"{key}=1") == []  # a tag named so, not a keyword
    for value in ("and", "or", "not", "in"):
        assert selected(f"model={value}") == []  # a keyword where a value is expected


def test_empty_filter_selects_everything():
    # 2.x's --filter defaults to "": no filter
    assert parse_filter(None) is None
    assert parse_filter("") is None and parse_filter("   ") is None


# -- experimaestro 2.x's ----------------------------------------------------------------


@pytest.mark.parametrize("text, names", [
    ('@state = "done"', ["a1", "c3"]),
    ('@state = "error"', ["b2", "d4"]),
    ('@state = "RUNNING"', ["e5"]),  # 2.x's own documentation writes the names so
    ('@state = "scheduled"', []),  # (queued: a Slurm job waiting in the queue)
    ('@name = "pkg.mod.other"', ["e5", "f6"]),
    ('@name = "other"', []),  # the whole type id, exactly
    ('model = "bm25"', ["a1", "c3"]),
    ('model = "bm25" and @state = "done"', ["a1", "c3"]),
    ('model = "bm25" or model = "t5"', ["a1", "c3", "d4"]),
    ('@state = "error" or model = "t5" and @name = "pkg.mod.other"', []),  # left to right
])
def test_2x_comparisons(text, names):
    assert selected(text) == names


@pytest.mark.parametrize("text, names", [
    ('model in ["bm25", "t5"]', ["a1", "c3", "d4"]),
    ("model in ['bert']", ["b2"]),
    ("model in [bert, t5]", ["b2", "d4"]),  # unquoted values, as everywhere in ours
    ('model not in ["bm25"]', ["b2", "d4", "e5", "f6"]),  # no tag: not in any list
    ('@state in ["done", "running"]', ["a1", "c3", "e5"]),
    ('@state not in ["done", "error"]', ["e5", "f6"]),
    ("x in [1, 3]", ["a1", "c3"]),
    ("not model in [bm25]", ["b2", "d4", "e5", "f6"]),
])
def test_2x_lists(text, names):
    assert selected(text) == names


@pytest.mark.parametrize("text, names", [
    ('model ~ "b"', ["a1", "b2", "c3"]),
    ('model ~ "ert"', []),  # re.match, as 2.x: anchored at the start
    ('model ~ ".*ert"', ["b2"]),
    ('model ~ "bm25|t5"', ["a1", "c3", "d4"]),
    ('lr ~ "0\\.0"', ["b2", "c3"]),  # numbers as their text
    ('@name ~ "pkg\\."', ["e5", "f6"]),
    ("state ~ canc", ["d4"]),
    ("missing ~ '.*'", []),  # no value, no match (as 2.x)
])
def test_2x_regular_expressions(text, names):
    assert selected(text) == names


def test_2x_documentation_example():
    # The example of `experimaestro jobs --help` in 2.x (its `b"` typo fixed)
    predicate = parse_filter('model = "bm25" and mode in ["a", "b"] and @state = "RUNNING"')
    assert predicate(job("z", state="running", model="bm25", mode="b"))
    assert not predicate(job("z", state="running", model="bm25", mode="c"))
    assert not predicate(job("z", state="done", model="bm25", mode="a"))


def test_both_languages_mix():
    assert selected('@state = "done" and x!=1 or not model in [bm25, bert, t5]') == [
        "c3", "e5", "f6"]


# -- errors -----------------------------------------------------------------------------


def error(text) -> FilterError:
    with pytest.raises(FilterError) as info:
        parse_filter(text)
    return info.value


def test_error_layout():
    err = error("x=1 y=2")
    assert str(err) == ("expected `and`, `or` or the end, got 'y' at position 5:\n"
                        "  x=1 y=2\n"
                        "      ^")
    assert err.position == 4 and err.text == "x=1 y=2"
    assert isinstance(err, ValueError)


@pytest.mark.parametrize("text, position, message", [
    ("state=", 6, "expected a value (a word or a quoted string), got the end"),
    ("state=done and", 14, 'expected a comparison (state=done, @state = "done", model in'
                           ' ["a", "b"]...), `not` or `(`, got the end'),
    ("state=done and  ", 14, "got the end"),  # the caret after the text, not the spaces
    ("(x=1", 4, "expected `and`, `or` or `)`, got the end"),
    ("x=1)", 3, "expected `and`, `or` or the end, got ')'"),
    ("x # 1", 2, "expected `=`, `!=`, `<`, `<=`, `>`, `>=`, `~`, `in` or `not in`, got '#'"),
    ("x=1 and)", 7, "expected a comparison"),
    ("!x=1", 0, "expected a comparison"),
    ("x='1", 2, "unclosed quote: add the closing '"),
    ('@state = "done', 9, 'unclosed quote: add the closing "'),
    ('model in "a"', 9, "expected `[`, got '\"a\"'"),
    ("model in [a,", 12, "expected a value (a word or a quoted string), got the end"),
    ("model in [a b]", 12, "expected `,` or `]`, got 'b'"),
    ("model = [a]", 8, "expected a value (a word or a quoted string), got '['"),
    ("model not [a]", 10, "expected `in`, got '['"),
    ('@foo = "x"', 0, "unknown field '@foo': the @ fields are @state and @name"),
    ('@State = "done" and @Name ~ "x" and @nam = "x"', 36, "unknown field '@nam'"),
    ("state=nope", 6, "unknown state 'nope' (the states are done, failed, running,"),
    ("state in [done, nope]", 16, "unknown state 'nope'"),
    ('@state = "finished"', 9, "unknown state 'finished'"),
    ('model ~ "a(b"', 10, "invalid regular expression: missing ), unterminated subpattern"),
    ("model ~ '[a'", 9, "invalid regular expression: unterminated character set"),
])
def test_errors(text, position, message):
    err = error(text)
    assert err.position == position, str(err)
    assert message in str(err), str(err)
    lines = str(err).splitlines()
    assert lines[0].endswith(f" at position {position + 1}:") and lines[1] == "  " + text
    assert lines[2] == "  " + " " * position + "^"


def test_lark_is_imported_when_a_filter_is_read():
    def modules(code):
        out = subprocess.run([sys.executable, "-c", code + "\nimport sys; print(*sys.modules)"],
                             capture_output=True, text=True, check=True).stdout
        return set(out.split())

    assert "lark" not in modules("import experimaestro.cli.jobs")
    assert "lark" in modules("from experimaestro.index.filter import parse_filter\n"
                             "parse_filter('x=1')")
