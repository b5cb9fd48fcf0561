"""Documentation tooling: the MkDocs plugin, the documentation analyzer, the metaloader."""

import importlib
import json
import os
import re
import subprocess
import sys
import textwrap
import uuid
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from experimaestro.mkdocs.metaloader import DependencyInjectorFinder, Module
from experimaestro.tools.documentation import DocumentationAnalyzer, documented_from_objects

ROOT = Path(__file__).resolve().parents[1]

MODELS = '''
from pathlib import Path
from typing import Optional
from experimaestro import Config, Task, Param, Meta, Constant, field, PathGenerator
from experimaestro.mkdocs.annotations import documentation


class Model(Config):
    """A scoring model

    Models give a score to each document.

    :param hidden: number of hidden units
    """

    hidden: Param[int] = 100
    dropout: Param[float] = 0.25
    """Probability of zeroing a unit"""

    @documentation
    def score(self, query, document):
        """Scores a document for a query"""


class BigModel(Model):
    """A bigger model"""

    layers: Param[list[int]] = field(default_factory=list)
    version: Constant[str] = "1.0"
'''

TASKS = '''
from pathlib import Path
from typing import Optional
from experimaestro import Task, Param, Meta, field, PathGenerator
from {pkg}.models import Model


class Learn(Task):
    """Learns a model"""

    model: Param[Model]
    """The model to learn"""
    epochs: Param[int]
    """Number of passes over the data"""
    validation: Param[Optional[Model]] = None
    device: Meta[str] = "cpu"
    checkpoint: Meta[Path] = field(default_factory=PathGenerator("model.pt"))

    def execute(self):
        pass
'''


@pytest.fixture
def package(tmp_path, monkeypatch):
    """A package of configuration classes, importable (unique name per test)."""
    name = f"xpmdocpkg_{uuid.uuid4().hex[:8]}"
    src = tmp_path / "src"
    pkg = src / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "models.py").write_text(MODELS)
    (pkg / "tasks.py").write_text(TASKS.format(pkg=name))
    monkeypatch.syspath_prepend(str(src))
    importlib.invalidate_caches()
    yield name
    for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
        del sys.modules[module]


def write_site(root: Path, plugin_options: dict, pages: dict, nav=True, extra=None) -> Path:
    docs = root / "docs"
    docs.mkdir(parents=True, exist_ok=True)
    for path, text in pages.items():
        (docs / path).parent.mkdir(parents=True, exist_ok=True)
        (docs / path).write_text(textwrap.dedent(text))
    config = {
        "site_name": "demo",
        "docs_dir": "docs",
        "validation": {
            "links": {"not_found": "warn", "anchors": "warn", "unrecognized_links": "warn"}
        },
        "plugins": [{"experimaestro": plugin_options}],
        **(extra or {}),
    }
    if nav:
        config["nav"] = list(pages)
    yml = root / "mkdocs.yml"
    yml.write_text(json.dumps(config, indent=1))  # JSON is YAML
    return yml


def build_site(yml: Path, **overrides):
    """Build in-process (strict: a warning fails the build); returns (site dir, config)."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site = yml.parent / "site"
    overrides = {"site_dir": str(site), "strict": True, **overrides}
    config = load_config(str(yml), **overrides)
    build(config)
    return site, config


def main_text(html_path: Path) -> str:
    """The text of the main part of a generated page (tags removed)."""
    html = html_path.read_text()
    html = html[html.index('role="main"') :]
    text = re.sub(r"<[^>]+>", "", html)
    return re.sub(r"[ \t]+", " ", text)


# --- MkDocs plugin


def test_entry_point_and_config_options():
    from experimaestro.mkdocs.base import Documentation

    (ep,) = [e for e in entry_points(group="mkdocs.plugins") if e.name == "experimaestro"]
    assert ep.load() is Documentation
    assert {name for name, _ in Documentation.config_scheme} == {
        "name",
        "modules",
        "external",
        "init",
    }
    import experimaestro.mkdocs

    assert experimaestro.mkdocs.Documentation is Documentation


def test_site_documents_parameters(tmp_path, package):
    yml = write_site(
        tmp_path,
        {"modules": [{"models.md": [f"{package}.models"]}, {"tasks.md": [package]}]},
        {
            "index.md": "# Home\n",
            "models.md": f"# Models\n\nAll the models.\n\n::xpm::{package}.models:Model\n",
            "tasks.md": "# Tasks\n",
        },
    )
    site, config = build_site(yml)

    models_html = (site / "models" / "index.html").read_text()
    models = main_text(site / "models" / "index.html")
    # The directive is replaced by the class and the classes deriving from it
    assert "::xpm::" not in models
    assert f'id="{package}.models.Model"' in models_html
    assert f'id="{package}.models.BigModel"' in models_html
    assert models.index("All the models.") < models.index("A scoring model")
    assert f"from {package}.models import Model" in models
    assert "Models give a score to each document." in models
    assert ":param" not in models
    # name (type, default): help
    assert "hidden (int, default: 100): number of hidden units" in models
    assert "dropout (float, default: 0.25): Probability of zeroing a unit" in models
    assert "layers (list[int], default: list())" in models
    assert "version (str, constant: '1.0')" in models
    # documented methods
    assert "score(query, document): Scores a document for a query" in models
    # parents / children links (same page)
    assert f'href="#{package}.models.BigModel"' in models_html
    assert f'href="#{package}.models.Model"' in models_html

    tasks_html = (site / "tasks" / "index.html").read_text()
    tasks = main_text(site / "tasks" / "index.html")
    assert "Learns a model" in tasks
    assert "(task)" in tasks
    # the classes of the page not shown by a directive are under "Tasks"
    assert re.search(r"<h2[^>]*>Tasks</h2>", tasks_html)
    assert "Configurations</h2>" not in tasks_html  # the models are on their own page
    assert "model (Model, required): The model to learn" in tasks
    assert "epochs (int, required): Number of passes over the data" in tasks
    assert "validation (Optional[Model], optional)" in tasks
    assert "device (str, default: 'cpu', meta)" in tasks
    assert "checkpoint (Path, generated, meta)" in tasks
    # links between pages
    assert f'href="../models/#{package}.models.Model"' in tasks_html

    # index files: module -> page, Sphinx inventory
    mapping = json.loads((site / "experimaestro-mapping.json").read_text())
    assert mapping[f"{package}.models"] == "models/"
    assert mapping[f"{package}.tasks"] == "tasks/"
    assert documented_from_objects(site / "objects.inv") == {
        f"{package}.models.Model",
        f"{package}.models.BigModel",
        f"{package}.tasks.Learn",
    }

    # the link helper used by other plugins (datamaestro)
    plugin = config.plugins["experimaestro"]
    from experimaestro.mkdocs.base import Documentation

    assert isinstance(plugin, Documentation)
    from importlib import import_module

    model = import_module(f"{package}.models").Model
    assert plugin.getConfigLink("tasks/", model) == (
        f"{package}.models.Model",
        f"../models/#{package}.models.Model",
    )
    assert plugin.getConfigLink("models/", model)[1] == f"#{package}.models.Model"
    assert plugin.getConfigLink("", model.C)[1] == f"models/#{package}.models.Model"


def test_site_without_directory_urls(tmp_path, package):
    yml = write_site(
        tmp_path,
        {"modules": [{"api/models.md": [f"{package}.models"]}, {"tasks.md": [f"{package}.tasks"]}]},
        {"index.md": "# Home\n", "api/models.md": "# Models\n", "tasks.md": "# Tasks\n"},
        extra={"use_directory_urls": False},
    )
    site, _ = build_site(yml)
    models = (site / "api" / "models.html").read_text()
    assert re.search(r"<h2[^>]*>Configurations</h2>", models)
    assert f'id="{package}.models.Model"' in models
    tasks = (site / "tasks.html").read_text()
    assert f'href="api/models.html#{package}.models.Model"' in tasks
    mapping = json.loads((site / "experimaestro-mapping.json").read_text())
    assert mapping[f"{package}.models"] == "api/models.html"


def test_directive_outside_module_pages(tmp_path, package):
    """::xpm:: documents a class on any page, but not in a code block."""
    yml = write_site(
        tmp_path,
        {},
        {
            "index.md": f"""\
                # Home

                ::xpm::{package}.tasks:Learn

                ```text
                ::xpm::{package}.models:Model
                ```
                """,
        },
    )
    site, _ = build_site(yml)
    html = (site / "index.html").read_text()
    assert f'id="{package}.tasks.Learn"' in html
    assert f"::xpm::{package}.models:Model" in html  # left as is in the code block
    # Model is documented nowhere: the type is not a link
    assert f'id="{package}.models.Model"' not in html
    assert f"<code>{package}.models.Model</code>" in html


def test_directive_errors(tmp_path, package, caplog):
    yml = write_site(
        tmp_path,
        {},
        {"index.md": f"# Home\n\n::xpm::{package}.models:Missing\n\n::xpm::pathlib:Path\n"},
    )
    site, _ = build_site(yml, strict=False)
    html = (site / "index.html").read_text()
    assert f"Cannot find {package}.models:Missing" in html
    assert "pathlib.Path is not an experimaestro configuration" in html
    messages = [r.getMessage() for r in caplog.records if r.name.endswith("experimaestro")]
    assert any("cannot find" in m for m in messages)

    # in strict mode, the build fails
    from mkdocs.exceptions import Abort

    with pytest.raises(Abort):
        build_site(yml)


def test_external_mapping(tmp_path, package):
    """A site links to the classes documented by another site (its mapping file)."""
    first = write_site(
        tmp_path / "first",
        {"modules": [{"models.md": [f"{package}.models"]}]},
        {"index.md": "# Home\n", "models.md": "# Models\n"},
    )
    first_site, _ = build_site(first)
    mapping = first_site / "experimaestro-mapping.json"

    second = write_site(
        tmp_path / "second",
        {"modules": [{"tasks.md": [f"{package}.tasks"]}], "external": [{"models": str(mapping)}]},
        {"index.md": "# Home\n", "tasks.md": "# Tasks\n"},
    )
    site, _ = build_site(second)
    html = (site / "tasks" / "index.html").read_text()
    assert f'href="{first_site}/models/#{package}.models.Model"' in html


def test_mkdocs_command_line(tmp_path, package):
    """`mkdocs build --strict` finds the plugin through its entry point."""
    yml = write_site(
        tmp_path,
        {"modules": [{"index.md": [package]}]},
        {"index.md": "# Reference\n"},
    )
    env_path = str(tmp_path / "src")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q"]
        + ["-f", str(yml), "-d", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": env_path},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    text = main_text(tmp_path / "out" / "index.html")
    assert "epochs (int, required): Number of passes over the data" in text
    assert "Configurations" in text and "Tasks" in text


def test_init_option_and_missing_dependency(tmp_path, package):
    """`init` modules run first: they can install stand-ins for missing dependencies."""
    src = tmp_path / "src" / package
    (src / "heavy.py").write_text(
        textwrap.dedent(
            """\
            import notinstalled_dep_xyz.nn as nn
            from experimaestro import Config, Param


            class Encoder(Config, nn.Module):
                \"\"\"An encoder (a module of a missing library)\"\"\"

                size: Param[int] = 3


            class Tensors(Config):
                \"\"\"Holds a tensor\"\"\"

                value: Param[nn.Tensor]
            """
        )
    )
    (src / "docinit.py").write_text(
        "import re\n"
        "from experimaestro.mkdocs.metaloader import DependencyInjectorFinder\n"
        "DependencyInjectorFinder.install(re.compile(r'^notinstalled_dep_xyz($|\\.)'))\n"
    )
    yml = write_site(
        tmp_path,
        {"init": [f"{package}.docinit"], "modules": [{"index.md": [f"{package}.heavy"]}]},
        {"index.md": "# Reference\n"},
    )
    finders = list(sys.meta_path)
    try:
        site, _ = build_site(yml, strict=False)
    finally:
        sys.meta_path[:] = finders
        for name in [m for m in sys.modules if m.startswith("notinstalled_dep_xyz")]:
            del sys.modules[name]
    text = main_text(site / "index.html")
    assert "An encoder (a module of a missing library)" in text
    assert "size (int, default: 3)" in text
    # a class that cannot be analysed (its field has a stand-in type) gets an error
    assert f"Cannot document {package}.heavy.Tensors" in text


# --- Documentation analyzer


def write_rst(root: Path, package: str, documented=("Model",), extra="") -> Path:
    doc = root / "docs" / "source"
    (doc / "api").mkdir(parents=True)
    (doc / "index.rst").write_text(
        textwrap.dedent(
            """\
            Documentation
            =============

            .. toctree::
               :maxdepth: 2

               api/models
               Tasks <api/tasks>

            """
        )
        + extra
    )
    directives = "\n".join(f".. autoxpmconfig:: {name}\n   :members:\n" for name in documented)
    (doc / "api" / "models.rst").write_text(
        f"Models\n======\n\n.. currentmodule:: {package}.models\n\n{directives}\n"
    )
    (doc / "api" / "tasks.rst").write_text(
        f"Tasks\n=====\n\n.. autoxpmconfig:: {package}.tasks.Learn\n"
    )
    return doc / "index.rst"


def test_analyzer_reports_the_undocumented_class(tmp_path, package, capsys):
    index = write_rst(tmp_path, package, documented=("Model",))
    analyzer = DocumentationAnalyzer(index, set([package]), set([f"{package}.test"]))
    analyzer.analyze()
    assert analyzer.undocumented == [f"{package}.models.BigModel"]
    assert analyzer.falsy_documented == []
    assert analyzer.documentation_errors == []
    assert analyzer.parsing_errors == []

    analyzer.report()
    out = capsys.readouterr().out
    assert f"[undocumented] {package}.models.BigModel" in out
    assert "1 undocumented configurations" in out
    assert "0 errors were encountered while parsing modules" in out

    with pytest.raises(AssertionError) as e:
        analyzer.assert_valid_documentation()
    assert f"{package}.models.BigModel" in str(e.value)
    assert f"{package}.models.Model\n" not in str(e.value)
    with pytest.raises(AssertionError):
        analyzer.assert_no_undocumented()


def test_analyzer_complete_documentation(tmp_path, package):
    # literal blocks are not directives
    extra = f"Example::\n\n    .. autoxpmconfig:: {package}.models.Example\n"
    index = write_rst(tmp_path, package, documented=("Model", "BigModel"), extra=extra)
    analyzer = DocumentationAnalyzer(index, [package], set())
    analyzer.analyze()
    assert analyzer.undocumented == []
    assert analyzer.documented == {
        f"{package}.models.Model",
        f"{package}.models.BigModel",
        f"{package}.tasks.Learn",
    }
    analyzer.assert_no_undocumented()
    analyzer.assert_valid_documentation()


def test_analyzer_falsy_documented(tmp_path, package):
    index = write_rst(tmp_path, package, documented=("Model", "BigModel", "Renamed"))
    analyzer = DocumentationAnalyzer(index, {package}, set())
    analyzer.analyze()
    assert analyzer.falsy_documented == [f"{package}.models.Renamed"]
    analyzer.assert_no_undocumented()  # only checks the undocumented classes
    with pytest.raises(AssertionError, match=rf"{package}\.models\.Renamed"):
        analyzer.assert_valid_documentation()


def test_analyzer_documentation_errors(tmp_path, package):
    index = write_rst(tmp_path, package, documented=("Model", "BigModel"))
    index.write_text(index.read_text().replace("api/tasks", "api/nothere"))
    analyzer = DocumentationAnalyzer(index, {package}, set())
    analyzer.analyze()
    assert len(analyzer.documentation_errors) == 1
    assert "api/nothere" in analyzer.documentation_errors[0]
    assert analyzer.undocumented == [f"{package}.tasks.Learn"]
    with pytest.raises(AssertionError, match="Documentation parsing errors"):
        analyzer.assert_no_undocumented()


def test_analyzer_excluded_and_import_errors(tmp_path, package):
    src = tmp_path / "src" / package
    (src / "test").mkdir()
    (src / "test" / "__init__.py").write_text(
        "from experimaestro import Config\nclass TestOnly(Config):\n    pass\n"
    )
    (src / "broken.py").write_text("import notinstalled_dep_abc\n")
    index = write_rst(tmp_path, package, documented=("Model", "BigModel"))

    analyzer = DocumentationAnalyzer(index, {package}, {f"{package}.test"})
    analyzer.analyze()
    assert analyzer.undocumented == []  # TestOnly is excluded
    assert len(analyzer.parsing_errors) == 1
    assert f"{package}.broken" in analyzer.parsing_errors[0]
    with pytest.raises(AssertionError, match="Module import errors"):
        analyzer.assert_valid_documentation()

    # excluded modules are not imported
    analyzer = DocumentationAnalyzer(index, {package}, {f"{package}.test", f"{package}.broken"})
    analyzer.analyze()
    assert analyzer.parsing_errors == []
    analyzer.assert_valid_documentation()

    analyzer = DocumentationAnalyzer(index, {package}, {f"{package}.broken"})
    analyzer.analyze()
    assert analyzer.undocumented == [f"{package}.test.TestOnly"]


def test_analyzer_mkdocs(tmp_path, package):
    """With a mkdocs.yml: the ::xpm:: directives and the modules of the plugin."""
    yml = write_site(
        tmp_path,
        {"modules": [{"tasks.md": [f"{package}.tasks"]}]},
        {"index.md": f"# Home\n\n::xpm::{package}.models:Model\n", "tasks.md": "# Tasks\n"},
    )
    analyzer = DocumentationAnalyzer(yml, {package}, set())
    analyzer.analyze()
    assert analyzer.undocumented == [f"{package}.models.BigModel"]
    with pytest.raises(AssertionError, match=rf"{package}\.models\.BigModel"):
        analyzer.assert_valid_documentation()

    # a Markdown page: its directives and the pages it links to
    docs = tmp_path / "docs"
    (docs / "index.md").write_text(
        f"# Home\n\n::xpm::{package}.models:Model\n\nSee [the tasks](tasks.md).\n"
    )
    (docs / "tasks.md").write_text(
        f"# Tasks\n\n::xpm::{package}.tasks:Learn\n\n::xpm::{package}.models:BigModel\n"
    )
    analyzer = DocumentationAnalyzer(docs / "index.md", {package}, set())
    analyzer.analyze()
    assert analyzer.undocumented == []
    analyzer.assert_valid_documentation()


def test_analyzer_toctree_glob_and_folder(tmp_path, package):
    doc = tmp_path / "doc"
    (doc / "api").mkdir(parents=True)
    (doc / "index.rst").write_text(".. toctree::\n   :glob:\n\n   api/*\n")
    (doc / "api" / "a.rst").write_text(f".. autoxpmconfig:: {package}.models.Model\n")
    (doc / "api" / "b.rst").write_text(
        f".. py:currentmodule:: {package}.models\n\n.. autoxpmconfig:: BigModel\n"
    )
    (doc / "notlinked.rst").write_text(f".. autoxpmconfig:: {package}.tasks.Learn\n")

    analyzer = DocumentationAnalyzer(doc / "index.rst", [package], [])
    analyzer.analyze()
    assert analyzer.undocumented == [f"{package}.tasks.Learn"]

    # a folder: all its files
    analyzer = DocumentationAnalyzer(doc, [package], [])
    analyzer.analyze()
    assert analyzer.undocumented == []


def test_analyze_function(package):
    from experimaestro.tools.documentation import analyze

    report = analyze([package], {f"{package}.models.Model", "nowhere.Thing"}, set())
    assert [cls.__qualname__ for cls in report.undocumented] == ["BigModel", "Learn"]
    assert report.falsy_documented == ["nowhere.Thing"]
    assert report.errors == []


def test_analyzer_missing_entry_point(tmp_path):
    with pytest.raises(FileNotFoundError):
        DocumentationAnalyzer(tmp_path / "index.rst", {"x"}, set())


# --- Metaloader


@pytest.fixture
def injector():
    finders = list(sys.meta_path)
    finder = DependencyInjectorFinder.install(re.compile(r"^fakedep_xpm($|\.)"))
    yield finder
    sys.meta_path[:] = finders
    for name in [m for m in sys.modules if m.startswith("fakedep_xpm")]:
        del sys.modules[name]


def test_metaloader_stand_in_modules(injector):
    assert sys.meta_path[-1] is injector

    import fakedep_xpm
    import fakedep_xpm.nn.functional as F
    from fakedep_xpm.nn import Linear

    assert isinstance(fakedep_xpm, Module)
    assert fakedep_xpm.__name__ == "fakedep_xpm"
    assert F.__name__ == "functional"
    assert sys.modules["fakedep_xpm.nn.functional"] is F
    assert isinstance(Linear, Module)
    assert Linear.__name__ == "Linear"
    assert repr(Linear) == "Fake module (fakedep_xpm.nn.Linear)"
    assert repr(fakedep_xpm.a.b.c) == "Fake module (fakedep_xpm.a.b.c)"
    assert not hasattr(fakedep_xpm, "__wrapped__")

    with pytest.raises(ImportError):
        importlib.import_module("fakedep_xpmother")


def test_metaloader_module_level_code(injector):
    import fakedep_xpm as torch

    from experimaestro import Config, Param

    class Encoder(Config, torch.nn.Module):
        size: Param[int] = 2

    class Other(torch.nn.Module):
        pass

    # the same placeholder base class for the same name
    assert Encoder.__mro__[2] is Other.__mro__[1]
    assert Other.__mro__[1].__name__ == "Module"
    assert list(Encoder.__xpmtype__.arguments) == ["size"]
    assert Encoder.C(size=3).size == 3

    @torch.no_grad()
    def f():
        return 1

    assert f() == 1
    assert isinstance(torch.device("cpu"), Module)


def test_metaloader_installed_modules_first(injector, tmp_path, monkeypatch):
    """The finder comes last: an installed module is used, not a stand-in."""
    (tmp_path / "fakedep_xpm_real.py").write_text("VALUE = 42\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    finder = DependencyInjectorFinder.install(re.compile(r"^fakedep_xpm_real$"))
    assert finder.matcher.match("fakedep_xpm_real")
    module = importlib.import_module("fakedep_xpm_real")
    assert module.VALUE == 42
    assert not isinstance(module, Module)


def test_import_stays_light():
    code = (
        "import sys, experimaestro, experimaestro.tools.documentation,"
        " experimaestro.mkdocs, experimaestro.mkdocs.metaloader\n"
        "assert 'mkdocs' not in sys.modules, 'mkdocs imported'\n"
        "assert 'experimaestro.mkdocs.base' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
