"""Dependencies point down: core (typed configurations, identifiers, the job-side state)
imports nothing of the scheduler, the launchers, the command line or the experiment files
— not even inside a function. The layers above hand it what it needs (core/hooks.py)."""

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "experimaestro"

#: what core may import outside of itself: the package (its version) and leaf modules
#: that import nothing of ours
ALLOWED_OUTSIDE = {"experimaestro", "experimaestro.checkers"}


def imported_modules(path: Path):
    """(line, absolute module name) of every import of a file, at any depth."""
    relative = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(relative.parts)
    package = parts[:-1] if parts[-1] != "__init__" else parts[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                yield node.lineno, ".".join(base + ([node.module] if node.module else []))
            else:
                yield node.lineno, node.module


def ours_outside_core(path: Path):
    for line, name in imported_modules(path):
        if name == "experimaestro" or name.startswith("experimaestro."):
            if not (name == "experimaestro.core" or name.startswith("experimaestro.core.")):
                yield line, name


def test_core_imports_nothing_above_it():
    upward = [f"{p.relative_to(PACKAGE.parent)}:{line} imports {name}"
              for p in sorted((PACKAGE / "core").rglob("*.py"))
              for line, name in ours_outside_core(p) if name not in ALLOWED_OUTSIDE]
    assert not upward, "core imports upward:\n" + "\n".join(upward)


def test_what_core_may_import_outside_imports_nothing_of_ours():
    for name in ALLOWED_OUTSIDE - {"experimaestro"}:
        path = PACKAGE.parent / (name.replace(".", "/") + ".py")
        found = [n for _, n in imported_modules(path) if n.startswith("experimaestro")]
        assert not found, f"{name} imports {found}"


def test_the_scan_sees_imports_inside_functions():
    # core/utils.py imports fasteners inside the function that uses it
    assert "fasteners" in [n for _, n in imported_modules(PACKAGE / "core" / "utils.py")]


def test_a_job_process_loads_no_scheduler():
    """What a job process imports (the job runner, every core module, a Prepare job's
    task) loads nothing of the scheduler, the launchers or the command line."""
    code = (
        "import sys, pkgutil, importlib, experimaestro.core as core\n"
        "import experimaestro.run\n"
        "for m in pkgutil.walk_packages(core.__path__, 'experimaestro.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith(('experimaestro.scheduler',"
        " 'experimaestro.launchers', 'experimaestro.cli', 'experimaestro.experiments',"
        " 'click', 'asyncio'))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=PACKAGE.parent, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", result.stdout
