"""The examples of the user documentation (docs/**/*.md) run, and say what they print.

Rules for the ```python blocks of a page:

- each block runs in a fresh module namespace (a module object registered in
  ``sys.modules``, so that classes defined in the example get a real ``__module__``),
  with a temporary directory as the current directory;
- a block preceded by ``<!-- continue -->`` runs in the namespace of the block before it
  (the two form one session);
- a block preceded by ``<!-- no-run -->`` is not run;
- a ```text block preceded by ``<!-- output -->`` is what the python block before it
  prints; it is compared with doctest rules (``...`` matches anything, whitespace is
  normalised).

The markers are HTML comments: they do not show on the rendered pages.
"""

import contextlib
import doctest
import importlib.util
import io
import re
import subprocess
import sys
import textwrap
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

NO_RUN = "<!-- no-run -->"
CONTINUE = "<!-- continue -->"
OUTPUT = "<!-- output -->"
_FENCE = re.compile(r"^(?P<indent>\s*)```(?P<lang>[\w+-]*)\s*$")


@dataclass
class Block:
    page: Path
    line: int  # 1-based line of the first code line
    lang: str
    code: str
    marker: Optional[str]
    expected_output: Optional[str] = None


@dataclass
class Session:
    page: Path
    blocks: List[Block] = field(default_factory=list)

    @property
    def id(self) -> str:
        return f"{self.page.relative_to(DOCS)}:{self.blocks[0].line}"


def parse_blocks(page: Path) -> List[Block]:
    """Fenced blocks of a page, with the marker comment just before each."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks = []
    previous = None  # last non-blank line outside a block
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if m is None or not m.group("lang"):
            if lines[i].strip():
                previous = lines[i].strip()
            i += 1
            continue
        indent = len(m.group("indent"))
        start = i + 1
        j = start
        while j < len(lines) and lines[j].strip() != "```":
            j += 1
        if j == len(lines):
            raise AssertionError(f"{page}:{i + 1}: unclosed ``` block")
        code = textwrap.dedent("\n".join(line[indent:] for line in lines[start:j]))
        marker = previous if previous in (NO_RUN, CONTINUE, OUTPUT) else None
        blocks.append(Block(page, start + 1, m.group("lang"), code, marker))
        previous = None
        i = j + 1
    return blocks


def collect_sessions() -> List[Session]:
    sessions = []
    for page in sorted(DOCS.rglob("*.md")):
        last_python: Optional[Block] = None
        for block in parse_blocks(page):
            if block.lang == "text" and block.marker == OUTPUT:
                assert last_python is not None and last_python.expected_output is None, (
                    f"{page}:{block.line}: an output block must follow a python block"
                )
                last_python.expected_output = block.code
                continue
            if block.lang != "python":
                continue
            last_python = block
            if block.marker == NO_RUN:
                continue
            if block.marker == CONTINUE:
                assert sessions and sessions[-1].page == page, (
                    f"{page}:{block.line}: <!-- continue --> needs a runnable block before it"
                )
                sessions[-1].blocks.append(block)
            else:
                sessions.append(Session(page, [block]))
    return sessions


SESSIONS = collect_sessions()
_counter = iter(range(10**9))


def _module_for(session: Session) -> types.ModuleType:
    slug = re.sub(r"\W", "_", str(session.page.relative_to(DOCS).with_suffix("")))
    name = f"xpm_docs_{slug}_{session.blocks[0].line}_{next(_counter)}"
    module = types.ModuleType(name)
    sys.modules[name] = module
    return module


def test_docs_have_examples():
    assert len(SESSIONS) >= 20, "the documentation examples were not found"


@pytest.mark.parametrize("session", SESSIONS, ids=[s.id for s in SESSIONS])
def test_example(session: Session, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = _module_for(session)
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    try:
        for block in session.blocks:
            # Leading newlines keep the line numbers of the page in tracebacks
            source = "\n" * (block.line - 1) + block.code + "\n"
            code = compile(source, str(block.page), "exec")
            out = io.StringIO()
            with contextlib.redirect_stdout(out), warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                exec(code, module.__dict__)
            if block.expected_output is not None:
                want = block.expected_output.rstrip() + "\n"
                got = out.getvalue()
                if not checker.check_output(want, got, flags):
                    pytest.fail(
                        f"{block.page.relative_to(ROOT)}:{block.line}: the example prints\n"
                        f"{got}\nbut the page shows\n{want}",
                        pytrace=False,
                    )
    finally:
        sys.modules.pop(module.__name__, None)


def test_mkdocs_build_strict(tmp_path):
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed (it is in the `dev` extra: pip install -e '.[dev]')")
    result = subprocess.run(
        # (no -q: with mkdocs 1.6 it hides the warnings that --strict turns into errors)
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr, result.stderr


def test_core_reference_is_complete():
    """Every public name of the core (experimaestro._LAZY) has an entry in api/core.md."""
    import experimaestro

    page = (DOCS / "api" / "core.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^#{2,4} `([A-Za-z_]\w*)", page, flags=re.M))
    core = {
        name
        for name, module in experimaestro._LAZY.items()
        if module.startswith("experimaestro.core") or module == "typing"
    }
    assert not core - documented, f"not documented in docs/api/core.md: {sorted(core - documented)}"


def test_block_markers(tmp_path, monkeypatch):
    """The markers of the docs pages are read as documented at the top of this file."""
    page = tmp_path / "page.md"
    page.write_text(
        "Intro\n\n```python\nx = 1\n```\n\n<!-- output -->\n```text\n1\n```\n\n"
        "<!-- continue -->\n```python\nprint(x)\n```\n\n"
        "<!-- no-run -->\n```python\nraise SystemExit\n```\n\n"
        "- in a list:\n\n    ```python\n    y = 2\n    ```\n"
    )
    blocks = parse_blocks(page)
    assert [(b.lang, b.marker) for b in blocks] == [
        ("python", None), ("text", OUTPUT), ("python", CONTINUE), ("python", NO_RUN),
        ("python", None),
    ]
    assert blocks[0].line == 4 and blocks[-1].code == "y = 2"
    monkeypatch.setattr(sys.modules[__name__], "DOCS", tmp_path)
    sessions = collect_sessions()
    assert [[b.line for b in s.blocks] for s in sessions] == [[4, 14], [25]]
    assert sessions[0].blocks[0].expected_output == "1"
