"""lark is imported when a requirement is parsed, never by `import experimaestro`."""

import subprocess
import sys


def imported(code: str) -> set:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout
    return set(out.split())


def test_import_experimaestro_does_not_import_lark():
    modules = imported("import experimaestro")
    assert "lark" not in modules
    assert not any(m.startswith("experimaestro.launcherfinder") for m in modules)


def test_importing_the_parser_does_not_import_lark():
    modules = imported(
        "import experimaestro.launcherfinder\n"
        "from experimaestro.launcherfinder.parser import parse\n"
        "from experimaestro.launcherfinder import find_launcher, HostSpecification"
    )
    assert "lark" not in modules


def test_parsing_imports_lark():
    modules = imported("from experimaestro.launcherfinder.parser import parse; parse('cpu()')")
    assert "lark" in modules


def test_dynamic_launcher_and_specs_do_not_import_lark():
    modules = imported(
        "from experimaestro.launchers.dynamic import DynamicLauncher\n"
        "from experimaestro.launcherfinder import cpu, cuda_gpu\n"
        "cpu(mem='4GiB') & cuda_gpu(mem='8GiB') * 2"
    )
    assert "lark" not in modules
