"""Error messages of requirement strings: what, where (a caret), what was expected."""

import pytest

from experimaestro.launcherfinder import RequirementSyntaxError
from experimaestro.launcherfinder.parser import parse
from experimaestro.launcherfinder.specs import cpu, cuda_gpu, duration


def error(expr: str) -> RequirementSyntaxError:
    with pytest.raises(RequirementSyntaxError) as info:
        parse(expr)
    return info.value


def caret_line(err: RequirementSyntaxError) -> int:
    """The column (0-based, in the quoted string) of the caret of the message."""
    lines = str(err).splitlines()
    assert len(lines) == 3 and lines[2].strip() == "^"
    return lines[2].index("^") - 2


def check(expr: str, position: int, *fragments: str) -> RequirementSyntaxError:
    err = error(expr)
    message = str(err)
    assert err.position == position, message
    assert caret_line(err) == position, message
    assert f"(column {position + 1})" in message.splitlines()[0]
    for fragment in fragments:
        assert fragment in message, message
    return err


def test_is_a_value_error():
    assert issubclass(RequirementSyntaxError, ValueError)


def test_message_layout():
    err = error("cpu(mem=4G) cuda(mem=2G)")
    assert str(err) == (
        "invalid requirement: expected '&', '|' or the end of the requirement, found 'cuda'"
        " (column 13)\n"
        "  cpu(mem=4G) cuda(mem=2G)\n"
        "              ^"
    )
    assert err.expected == ["'&'", "'|'", "the end of the requirement"]
    assert err.reason.startswith("invalid requirement: expected '&'")


def test_missing_operand_at_the_end():
    check("cpu(mem=4G) &", 13, "expected duration=, cpu(, cuda(, mps( or gpu(",
          "found the end of the requirement")


def test_trailing_spaces_put_the_caret_after_the_text():
    check("cpu(mem=4G) &   ", 13, "found the end of the requirement")


def test_unknown_function():
    check("tpu(mem=1G)", 0, "expected duration=, cpu(, cuda(, mps( or gpu(", "found 'tpu'")


def test_unknown_function_after_and():
    check("duration=2h & tpu(mem=1G)", 14, "found 'tpu'")


def test_unclosed_parenthesis():
    check("cpu(mem=4G", 10, "expected ')' or ','", "found the end of the requirement")


def test_missing_equal():
    check("duration 4h", 9, "expected '='", "found '4h'")


def test_keyword_with_trailing_letters():
    check("cpux()", 3, "expected '('", "found 'x'")


def test_space_inside_a_size():
    # (2.x refuses it too; only durations take a space before their unit)
    check("cpu(mem=4 G)", 10, "without a space before its unit: 4G")


def test_star_on_cpu():
    check("cpu(mem=4G)*2", 11, "found '*'", "*N only repeats accelerators")


def test_empty_requirement():
    check("", 0, "empty requirement")
    check("   ", 0, "empty requirement")


def test_size_without_unit():
    err = check("cpu(mem=4)", 9, "memory size 4 has no unit", "4G (4 x 10^9 bytes)",
                "4GiB (4 x 2^30 bytes)")
    assert str(err).splitlines()[1:] == ["  cpu(mem=4)", "           ^"]


def test_gpu_size_without_unit():
    check("duration=1h & cuda(mem=12) * 2", 25, "memory size 12 has no unit")


def test_unknown_size_unit():
    err = check("cpu(mem=4GB)", 9, "unknown size unit 'GB'", "did you mean G or GiB?",
                "1G = 10^9 bytes", "1GiB = 2^30 bytes")
    assert "GiB" in err.expected


def test_unknown_size_unit_without_suggestion():
    err = check("cuda(mem=8xB)", 10, "unknown size unit 'xB':")
    assert "did you mean" not in str(err)


def test_lowercase_unit_is_rejected_with_a_suggestion():
    check("cpu(mem=4gib)", 9, "unknown size unit 'gib'", "did you mean G or GiB?")


def test_duration_without_unit():
    check("duration=4", 10, "duration 4 has no unit", "write e.g. 4h", "h/hours, d/days")


def test_unknown_duration_unit():
    check("cpu() & duration=4x", 18, "unknown duration unit 'x'", "m/min/mins")


def test_unknown_argument():
    check("cpu(memory=4G)", 4, "cpu() has no argument 'memory': use mem=<size> or cores=<N>")
    check("cuda(cores=4)", 5, "cuda() has no argument 'cores': use mem=<size>")


def test_argument_given_twice():
    check("cpu(mem=1G, mem=2G)", 12, "argument 'mem' of cpu() is given twice")


def test_cores_must_be_whole():
    check("cpu(cores=2.5)", 10, "cores of cpu() must be a whole number, found '2.5'")
    check("cpu(cores=2G)", 10, "must be a whole number, found '2G'")


def test_count_must_be_positive_and_whole():
    check("cuda(mem=1G)*0", 13, "the number of accelerators must be at least 1, found 0")
    check("cuda(mem=1G)*2h", 13, "the number of accelerators must be a whole number")


def test_multiline_shows_the_line_of_the_error():
    err = error("cpu(cores=1)\n| tpu()")
    assert err.position == 15
    assert str(err).splitlines()[1:] == ["  | tpu()", "    ^"]


def test_builders_check_their_strings():
    with pytest.raises(RequirementSyntaxError, match="memory size 4 has no unit"):
        cpu(mem="4")
    with pytest.raises(RequirementSyntaxError, match="unknown size unit 'Gb'"):
        cuda_gpu(mem="4Gb")
    with pytest.raises(RequirementSyntaxError, match="duration 3 has no unit"):
        duration("3")
    with pytest.raises(RequirementSyntaxError, match="expected a number followed by a unit"):
        duration("h")


def test_unexpected_character():
    check("cpu(mem=4G) % cuda()", 12, "expected '&', '|' or the end of the requirement, found '%'")
    check("cpu(mem=-4G)", 8, "expected a number, found '-'")
    check("cpu(,)", 4, "expected an argument name (mem=, cores=) or ')', found ','")


def test_missing_count_after_star():
    check("cuda(mem=4G)*", 13, "expected a number, found the end of the requirement")


def test_double_bar():
    check("cpu(mem=4G)||cuda()", 12, "expected duration=, cpu(, cuda(, mps( or gpu(, found '|'")
