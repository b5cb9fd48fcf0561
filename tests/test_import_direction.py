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


#: part of the package (a top-level module or package) -> the parts it may import, at
#: any depth (docs/architecture.md: "The parts, and what each may import")
MAY_IMPORT = {
    "jobfolder": set(),
    "processes": set(),
    "checkers": set(),
    "exceptions": set(),
    "yamlnodes": set(),
    # parameter sources: pure, a job may rebuild its case from an index
    "sweeps": {"yamlnodes"},
    "larkparsers": set(),
    "settings": {"exceptions", "yamlnodes"},
    "tokens": {"processes"},
    "connectors": {"tokens", "processes"},
    "core": {"checkers", "experimaestro"},  # (the package: its version)
    "taskglobals": {"core"},
    "run": {"core", "jobfolder", "taskglobals", "exceptions"},
    # (inside a task: the job process imports them)
    "progress": {"jobfolder", "taskglobals"},
    "metrics": {"jobfolder", "taskglobals"},
    "launchers": {"connectors", "tokens", "jobfolder", "processes",
                  # the fork server preloads what its children (job processes) import
                  "core", "run", "taskglobals"},
    "launcherfinder": {"launchers", "settings", "larkparsers"},
    "xplock": set(),
    # reading a workspace: job rows, the index, the filter language, Results
    "index": {"jobfolder", "launchers", "larkparsers", "xplock"},
    # the monitors (terminal and web) over a workspace
    "monitor": {"index", "jobfolder", "launchers", "xplock", "processes"},
    "scheduler": {"launchers", "tokens", "jobfolder", "processes", "actions", "settings",
                  "core", "exceptions", "connectors", "taskglobals", "run", "index",
                  "xplock", "monitor"},
}


def _part(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "experimaestro"


def imported_parts(path: Path):
    """(line, part) of what a file imports of ours (``from experimaestro import run``
    imports the part ``run``)."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and not node.level \
                and node.module == "experimaestro":
            for alias in node.names:
                module = PACKAGE / alias.name
                if module.is_dir() or module.with_suffix(".py").exists():
                    yield node.lineno, alias.name
                else:
                    yield node.lineno, "experimaestro"
    for line, name in imported_modules(path):
        if name and name.startswith("experimaestro."):
            yield line, _part(name)


def test_each_part_imports_only_what_is_below_it():
    wrong = []
    for part, allowed in MAY_IMPORT.items():
        root = PACKAGE / part
        files = sorted(root.rglob("*.py")) if root.is_dir() else [root.with_suffix(".py")]
        for path in files:
            for line, imported in imported_parts(path):
                if imported != part and imported not in allowed:
                    wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line} imports"
                                 f" {imported} (the part {part} may import: "
                                 f"{', '.join(sorted(allowed)) or 'nothing of ours'})")
    assert not wrong, "imports against the direction:\n" + "\n".join(wrong)


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
