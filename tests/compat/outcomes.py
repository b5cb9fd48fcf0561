"""What digests.py and case_digests.py record for each configuration or case (both sides
run them): its result, or the error it raised and where; the results file."""

import json
import traceback


def error_record(exc: BaseException) -> dict:
    last = traceback.extract_tb(exc.__traceback__)[-1]
    return {"error": f"{type(exc).__name__}: {exc}"[:500],
            "where": f"{last.filename}:{last.lineno}"}


def write_results(path: str, results: dict, what: str):
    with open(path, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    ok = sum("digest" in r for r in results.values())
    print(f"{ok} of {len(results)} {what} built and hashed")
