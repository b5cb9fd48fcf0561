"""A task recording how its process was started (fork server or fresh interpreter)."""

import json
import os
import sys
from pathlib import Path

from experimaestro import Param, Task


class WhoRunsMe(Task):
    """Writes process.json: the module run as __main__ in the job process, and its pid."""

    x: Param[int]

    def execute(self):
        main = sys.modules["__main__"]
        spec = getattr(main, "__spec__", None)
        Path("process.json").write_text(json.dumps({
            "main": spec.name if spec is not None else None,
            "pid": os.getpid(),
            "hashseed": os.environ.get("PYTHONHASHSEED"),
        }))
