"""Run under experimaestro 2.7.0 and under ours (tests/test_compat_run_folder.py): what
the run-folder API gives — xp.workdir, xp.jobspath, xp.resultspath, xp.save / xp.load —
as paths relative to the workspace, in one JSON line."""

import json
import re
import sys
from pathlib import Path

from experimaestro import Config, Param, RunMode, experiment


class Model(Config):
    __xpmid__ = "compat.runfolder.model"
    x: Param[int]


def main(ws: Path) -> dict:
    out = {}
    quiet = {"no_environmental_impact": True}  # (2.7.0 otherwise pauses for carbon)
    with experiment(ws, "demo", **quiet) as xp:
        workdir = Path(xp.workdir)
        out["workdir"] = re.sub(r"\d{8}_\d{6}", "RUNID", str(workdir.relative_to(ws)))
        out["jobspath"] = str(Path(xp.jobspath).relative_to(workdir))
        out["resultspath"] = str(Path(xp.resultspath).relative_to(workdir))
        xp.save([Model.C(x=1), Model.C(x=2)], "mine")
        out["saved"] = sorted(str(p.relative_to(workdir / "data"))
                              for p in (workdir / "data").rglob("*") if p.is_file())
        out["expected"] = [m.__identifier__().all.hex() for m in (Model.C(x=1),
                                                                  Model.C(x=2))]
    with experiment(ws, "reader", **quiet) as xp:
        loaded = xp.load("demo", "mine")
        out["loaded"] = [m.__identifier__().all.hex() for m in loaded]
    with experiment(ws, "dry", run_mode=RunMode.DRY_RUN, **quiet) as xp:
        try:
            xp.resultspath
            out["dry_resultspath"] = "allowed"
        except RuntimeError:
            out["dry_resultspath"] = "RuntimeError"
        xp.save([Model.C(x=3)], "nothing")
        out["dry_saved"] = (ws / "experiments" / "dry").exists() and any(
            (ws / "experiments" / "dry").rglob("data"))
    return out


def read(ws: Path) -> dict:
    """Only load what a run of main() saved (possibly under the other implementation)."""
    with experiment(ws, "reader", no_environmental_impact=True) as xp:
        return {"loaded": [m.__identifier__().all.hex() for m in xp.load("demo", "mine")]}


if __name__ == "__main__":
    action = read if sys.argv[2:] == ["read"] else main
    print(json.dumps(action(Path(sys.argv[1]))))
