"""Run on either side (experimaestro 2.7.0 or ours): build each recipe of a recipe file
and write its identifier, or the error raised while building or hashing it.

    python digests.py RECIPES.json OUT.json

RECIPES.json is what client_recipes.py writes ({"classes": [{"class", "recipe"}...]});
OUT.json maps each class to {"digest": hex} or {"error": "Type: message"}.
"""

import json
import logging
import sys
import tempfile
import warnings

from experimaestro import RunMode, experiment

from outcomes import error_record, write_results
from recipes import build, needs_experiment


def digest_of(recipe) -> str:
    if needs_experiment(recipe):
        with tempfile.TemporaryDirectory() as workdir:
            with experiment(workdir, "compat", run_mode=RunMode.DRY_RUN):
                cfg = build(recipe)
                return cfg.__identifier__().all.hex()
    return build(recipe).__identifier__().all.hex()


def main(recipes_path: str, out: str):
    logging.disable(logging.CRITICAL)
    warnings.simplefilter("ignore")
    with open(recipes_path) as f:
        entries = json.load(f)["classes"]
    results = {}
    for entry in entries:
        if "recipe" not in entry:
            continue
        try:
            results[entry["class"]] = {"digest": digest_of(entry["recipe"])}
        except BaseException as e:  # noqa: BLE001 - recorded and compared
            results[entry["class"]] = error_record(e)
    write_results(out, results, "configurations")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
