"""Compare the identifiers computed by experimaestro 2.7.0 and by ours (the output of
digests.py or case_digests.py).

    python compare.py [--fuzz] REF27.json OURS.json

Prints every difference and a summary line; exits 1 if a configuration that 2.7.0 builds
is refused by ours or hashes differently (or gives other identifiers or paths for the
other objects of a case). Without --fuzz (client classes), a configuration that only one
side refuses is an error too, and those both refuse must be abstract classes (2.7.0,
like Python, refuses a class deriving from abc.ABC that has abstract methods). With
--fuzz (random schemas), configurations that 2.7.0 refuses are counted, and the kinds
of its errors listed: they are 2.x's gaps (see docs/concepts/identifiers.md).
"""

import json
import sys


def compare(ref: dict, ours: dict, fuzz: bool = False) -> tuple[dict, list]:
    counts = {"identical": 0, "refused by both": 0, "differ": 0, "only ours refuses": 0,
              "only 2.7.0 refuses": 0}
    problems = []
    for name in sorted(ref):
        r, o = ref[name], ours.get(name, {"error": "missing from our results"})
        if "digest" in r and "digest" in o:
            # (case_digests.py also gives the identifiers of other objects of the case
            # and the paths generated in submitted tasks)
            keys = ("digest", "objects", "paths")
            if all(r.get(k) == o.get(k) for k in keys):
                counts["identical"] += 1
                continue
            counts["differ"] += 1
            what = next(k for k in keys if r.get(k) != o.get(k))
            problems.append(f"DIFFERENT  {name} ({what}): 2.7.0 {str(r.get(what))[:200]},"
                            f" ours {str(o.get(what))[:200]}")
        elif "error" in r and "error" in o:
            counts["refused by both"] += 1
            if not fuzz and not ("abstract" in r["error"] and "abstract" in o["error"]):
                # Only abstract classes are expected here: anything else is a recipe
                # that 2.7.0 refuses, which compares nothing
                problems.append(f"BOTH FAIL  {name}: 2.7.0 {r['error']}; ours {o['error']}")
        elif "digest" in r:
            counts["only ours refuses"] += 1
            problems.append(f"OURS FAILS {name}: {o['error']} ({o.get('where')})")
        else:
            counts["only 2.7.0 refuses"] += 1
            if not fuzz:
                problems.append(f"2.7.0 FAILS {name}: {r['error']} ({r.get('where')})")
    return counts, problems


def refusal_kinds(ref: dict, ours: dict) -> dict:
    """The first line of each error of 2.7.0 on what ours builds, with its count."""
    kinds = {}
    for name, r in ref.items():
        if "error" in r and "digest" in ours.get(name, {}):
            first = r["error"].splitlines()[0][:120]
            kinds[first] = kinds.get(first, 0) + 1
    return kinds


def main(argv: list) -> int:
    fuzz = "--fuzz" in argv
    ref_path, ours_path = [a for a in argv if a != "--fuzz"]
    with open(ref_path) as f:
        ref = json.load(f)
    with open(ours_path) as f:
        ours = json.load(f)
    counts, problems = compare(ref, ours, fuzz)
    for line in problems:
        print(line)
    if fuzz:
        for kind, n in sorted(refusal_kinds(ref, ours).items(), key=lambda kv: -kv[1]):
            print(f"  2.7.0 refuses ({n}x), ours builds: {kind}")
    print(f"{len(ref)} configurations: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
