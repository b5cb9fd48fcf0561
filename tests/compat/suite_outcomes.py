"""Compare the outcomes of a client package's own test suite run under experimaestro
2.7.0 and under ours (pytest -rA outputs): the same tests must pass. Tests that fail
under 2.7.0 too (they need the network or documentation sources) are listed.

    python suite_outcomes.py NAME REF27.log OURS.log
"""

import re
import sys

OUTCOME = re.compile(r"^(PASSED|FAILED|ERROR|SUBFAILED(?:\([^)]*\))?|SUBPASSED(?:\([^)]*\))?)"
                     r" (\S+)")


def outcomes(path: str) -> dict:
    """test id (with its subtest) -> 'passed' or 'failed'."""
    found = {}
    with open(path, errors="replace") as f:
        for line in f:
            m = OUTCOME.match(line)
            if m:
                kind, test = m.groups()
                sub = kind[kind.index("("):] if "(" in kind else ""
                found[test + sub] = "passed" if "PASSED" in kind else "failed"
    return found


def main(name: str, ref_path: str, ours_path: str) -> int:
    ref, ours = outcomes(ref_path), outcomes(ours_path)
    if not ref:
        print(f"{name}: no outcome read from the 2.7.0 run ({ref_path})")
        return 1
    # (passing subtests are not listed by pytest: a subtest failing only here counts too)
    worse = sorted({t for t, o in ref.items() if o == "passed" and ours.get(t) != "passed"}
                   | {t for t, o in ours.items() if o == "failed" and ref.get(t) != "failed"})
    both_fail = sorted(t for t, o in ref.items() if o == "failed")
    for test in worse:
        print(f"{name}: passes under 2.7.0, not here: {test}")
    for test in both_fail:
        print(f"{name}: fails under 2.7.0 ({'fails' if ours.get(test) != 'passed' else 'passes'}"
              f" here): {test}")
    passed = sum(o == "passed" for o in ref.values())
    print(f"{name}: {passed} tests and subtests pass under 2.7.0,"
          f" {passed - len(worse)} of them here; {len(worse)} regressions")
    return 1 if worse else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
