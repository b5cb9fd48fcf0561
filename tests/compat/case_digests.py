"""Run on either side (experimaestro 2.7.0 or ours): build each case of a case file (the
format of identifier-vectors.json, with the extensions of cases.py) and write what it
gives: the identifier of its root and of each named object, and the paths generated in
submitted tasks (relative to the workspace: job folders, partial folders), or the error
raised while building or hashing it.

    python case_digests.py CASES.json OUT.json
"""

import contextlib
import io
import json
import logging
import sys
import tempfile
import warnings
from pathlib import Path

from cases import Case, digest
from outcomes import error_record, write_results


def generated_paths(obj, workdir: Path) -> dict:
    """Path values of a submitted task, relative to the workspace."""
    out = {}
    for name in sorted(type(obj).__xpmtype__.arguments if hasattr(type(obj), "__xpmtype__")
                       else obj.__getxpmtype__().arguments):
        value = getattr(obj, name, None)
        if isinstance(value, Path) and value.is_absolute():
            try:
                out[name] = str(value.relative_to(workdir))
            except ValueError:
                pass
    return out


def run_case(case: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp).resolve()
        built = Case(case, workdir)
        root = built.build()
        result = {"digest": digest(root), "objects": {}, "paths": {}}
        for oid, obj in built.objects.items():
            try:
                result["objects"][oid] = digest(obj)
            except Exception as e:  # noqa: BLE001 - an object may be unhashable alone
                result["objects"][oid] = f"error: {type(e).__name__}"
            if oid in built.outputs:
                result["paths"][oid] = generated_paths(obj, workdir)
        return result


def main(cases_path: str, out: str):
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    sys._called_from_test = True  # 2.x: classes may be defined inside functions here
    with open(cases_path) as f:
        data = json.load(f)
    cases = data["cases"] if isinstance(data, dict) else data
    results = {}
    for case in cases:
        try:
            # 2.7.0 prints each job of a dry run: not ours to show
            with contextlib.redirect_stdout(io.StringIO()), \
                    contextlib.redirect_stderr(io.StringIO()):
                results[case["name"]] = run_case(case)
        except BaseException as e:  # noqa: BLE001 - recorded and compared
            results[case["name"]] = error_record(e)
    write_results(out, results, "cases")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
