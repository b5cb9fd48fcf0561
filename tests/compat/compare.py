"""Compare the identifiers computed by experimaestro 2.7.0 and by ours (digests.py output).

    python compare.py REF27.json OURS.json

Prints every difference and a summary line; exits 1 if a configuration that 2.7.0 builds
is refused by ours or hashes differently, or if one side refuses a configuration that
the other builds. Configurations that both refuse (2.7.0, like Python, refuses to build
a class deriving from abc.ABC that has abstract methods) are counted apart.
"""

import json
import sys


def compare(ref: dict, ours: dict) -> tuple[dict, list]:
    counts = {"identical": 0, "refused by both": 0, "differ": 0, "only ours refuses": 0,
              "only 2.7.0 refuses": 0}
    problems = []
    for name in sorted(ref):
        r, o = ref[name], ours.get(name, {"error": "missing from our results"})
        if "digest" in r and "digest" in o:
            if r["digest"] == o["digest"]:
                counts["identical"] += 1
                continue
            counts["differ"] += 1
            problems.append(f"DIFFERENT  {name}: 2.7.0 {r['digest'][:16]}…, ours {o['digest'][:16]}…")
        elif "error" in r and "error" in o:
            counts["refused by both"] += 1
            if not ("abstract" in r["error"] and "abstract" in o["error"]):
                # Only abstract classes are expected here: anything else is a recipe
                # that 2.7.0 refuses, which compares nothing
                problems.append(f"BOTH FAIL  {name}: 2.7.0 {r['error']}; ours {o['error']}")
        elif "digest" in r:
            counts["only ours refuses"] += 1
            problems.append(f"OURS FAILS {name}: {o['error']} ({o.get('where')})")
        else:
            counts["only 2.7.0 refuses"] += 1
            problems.append(f"2.7.0 FAILS {name}: {r['error']} ({r.get('where')})")
    return counts, problems


def main(ref_path: str, ours_path: str) -> int:
    with open(ref_path) as f:
        ref = json.load(f)
    with open(ours_path) as f:
        ours = json.load(f)
    counts, problems = compare(ref, ours)
    for line in problems:
        print(line)
    print(f"{len(ref)} configurations: " + ", ".join(f"{v} {k}" for k, v in counts.items()))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
