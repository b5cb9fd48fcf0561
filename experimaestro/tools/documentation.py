"""Is every configuration class of a package documented?

:class:`DocumentationAnalyzer` compares two sets of fully qualified class names
(``package.module.Class``):

- the configuration classes (subclasses of :class:`~experimaestro.Config`) defined in the
  modules of the analysed packages, found by importing all of them;
- the classes the documentation names. The documentation is read without building it:

  - a reStructuredText file (Sphinx): the ``.. autoxpmconfig:: name`` directives, with
    ``.. currentmodule:: module`` for short names, following the ``.. toctree::`` entries
    to the other files;
  - a ``mkdocs.yml`` file: the ``::xpm::module:Class`` directives of all the pages of
    ``docs_dir``, plus every class of the modules listed in the ``modules`` option of the
    ``experimaestro`` plugin (the plugin documents them all);
  - a Markdown file: its ``::xpm::`` directives (and MyST ``{autoxpmconfig}`` fences),
    following the links to other Markdown files;
  - a folder: all the ``.rst`` and ``.md`` files below it.

It reports the undocumented classes, the documented names that are not configuration
classes ("falsy documented"), the modules that could not be imported and the errors met
while reading the documentation.
"""

import importlib
import inspect
import logging
import os
import pkgutil
import re
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Set, Tuple, Union

__all__ = [
    "DocumentationAnalyzer",
    "DocumentationReport",
    "analyze",
    "documented_from_objects",
    "find_configurations",
    "is_configuration_class",
]

logger = logging.getLogger(__name__)


# --- Configuration classes of packages


def is_configuration_class(value) -> bool:
    """True for a configuration class declared by a user (not a generated one)."""
    if not inspect.isclass(value):
        return False
    from experimaestro.core.config import _ROOT_CLASSES, Config

    try:
        if not issubclass(value, Config):
            return False
    except TypeError:
        return False
    if value in _ROOT_CLASSES:
        return False
    own = value.__dict__
    # XPMConfig classes (``Cls.C``), value classes and generated instance classes
    return not (
        "__xpm_user_class__" in own or "__xpm_value_of__" in own or "__xpm_generated__" in own
    )


def _qualified_name(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _within(name: str, prefixes: Iterable[str]) -> bool:
    """True when the dotted `name` is one of `prefixes` or below one of them."""
    return any(name == p or name.startswith(f"{p}.") for p in prefixes)


def find_configurations(
    packages: Union[str, Iterable[str]], skip_packages: Iterable[str] = ()
) -> Tuple[Dict[str, type], List[str]]:
    """Import all the modules of `packages` and collect their configuration classes.

    The modules below `skip_packages` are not imported. Returns the configuration
    classes met (by fully qualified name: those defined in the packages, and those they
    import) and the import errors.
    """
    if isinstance(packages, str):
        packages = [packages]
    skip = set(skip_packages)
    configurations: Dict[str, type] = {}
    errors: List[str] = []
    visited: Set[str] = set()

    def collect(module):
        for value in list(vars(module).values()):
            if is_configuration_class(value):
                configurations.setdefault(_qualified_name(value), value)

    def visit(name: str):
        if name in visited or _within(name, skip):
            return
        visited.add(name)
        logger.info("Processing %s...", name)
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            logger.warning("Module %s could not be loaded", name, exc_info=True)
            errors.append(f"Module {name} could not be loaded ({type(exc).__name__}: {exc})")
            return
        collect(module)
        path = getattr(module, "__path__", None)
        if path is not None:
            for info in sorted(pkgutil.iter_modules(path, prefix=f"{name}."), key=lambda i: i.name):
                visit(info.name)

    for package in packages:
        visit(package)
    return configurations, errors


def _resolve(name: str):
    """The object a fully qualified name designates (None when there is none)."""
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            value = importlib.import_module(module_name)
        except Exception:
            continue
        try:
            for attribute in parts[cut:]:
                value = getattr(value, attribute)
        except AttributeError:
            return None
        return value
    return None


@dataclass
class DocumentationReport:
    """What :func:`analyze` found."""

    #: errors while importing the modules
    errors: List[str]
    #: configuration classes that are not documented
    undocumented: List[type]
    #: documented names that are not configuration classes
    falsy_documented: List[str]


def analyze(
    packages: Union[str, Iterable[str]],
    documented: Set[str],
    skip_packages: Iterable[str],
    documented_modules: Iterable[str] = (),
) -> DocumentationReport:
    """Compare the configuration classes of `packages` with the `documented` names.

    :param packages: package(s) whose modules are explored
    :param documented: documented classes (fully qualified names)
    :param skip_packages: modules (and their sub-modules) left out of the analysis
    :param documented_modules: modules whose classes are all documented
    """
    if isinstance(packages, str):
        packages = [packages]
    packages = list(packages)
    skip_packages = set(skip_packages)
    documented_modules = set(documented_modules)
    configurations, errors = find_configurations(packages, skip_packages)

    undocumented = [
        cls
        for name, cls in sorted(configurations.items())
        if _within(cls.__module__, packages)
        and not _within(cls.__module__, skip_packages)
        and name not in documented
        and not _within(cls.__module__, documented_modules)
    ]

    falsy = []
    for name in sorted(documented):
        if name in configurations:
            continue
        # A class of another package (or of a skipped module) is not imported above
        if not is_configuration_class(_resolve(name)):
            falsy.append(name)

    return DocumentationReport(errors, undocumented, falsy)


# --- Sphinx inventories

_INVENTORY_LINE = re.compile(r"(?x)(.+?)\s+(\S+?):(\S+)\s+(-?\d+)\s+(\S*)\s+(.*)")


def documented_from_objects(objects_inv: Union[str, Path]) -> Set[str]:
    """The configurations listed in a Sphinx inventory (``objects.inv``, version 2).

    The documentation plugins of experimaestro list them with the ``py:xpmconfig`` role.
    """
    data = Path(objects_inv).read_bytes()
    if not data.startswith(b"# Sphinx inventory version 2"):
        raise ValueError(f"{objects_inv}: not a Sphinx inventory (version 2)")
    pos = 0
    for _ in range(4):  # the four header lines
        pos = data.index(b"\n", pos) + 1
    body = zlib.decompress(data[pos:]).decode("utf-8")
    names = set()
    for line in body.splitlines():
        m = _INVENTORY_LINE.match(line.rstrip())
        if m and m.group(2) == "py" and m.group(3) == "xpmconfig":
            names.add(m.group(1))
    return names


# --- Reading the documentation

_RST_DIRECTIVE = re.compile(
    r"^(?P<indent>[ \t]*)\.\.[ \t]+(?P<name>[\w:.-]+)::(?:[ \t]+(?P<arg>.*?))?[ \t]*$"
)
_RST_LITERAL_DIRECTIVES = {"code-block", "code", "sourcecode", "literalinclude", "doctest"}
_MD_FENCE = re.compile(r"^[ \t]*(?P<fence>```+|~~~+)[ \t]*(?P<info>.*)$")
_MD_DIRECTIVE = re.compile(r"^[ \t]*::xpm::(?P<name>\S+)")
_MYST_DIRECTIVE = re.compile(
    r"^\{(?:py:)?(?P<name>autoxpmconfig|currentmodule|module)\}\s*(?P<arg>\S*)"
)
_MD_LINK = re.compile(r"\]\((?P<target><[^>]+>|[^)\s]+)(?:\s+\"[^\"]*\")?\)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _directive_name(name: str) -> str:
    name = name.lower()
    return name[3:] if name.startswith("py:") else name


def xpm_directive_name(argument: str) -> str:
    """``module:Class`` (the syntax of ``::xpm::``) as ``module.Class``."""
    return argument.replace(":", ".", 1) if ":" in argument else argument


class _DocumentationReader:
    """Collects the documented names of RST / Markdown / MkDocs documentation."""

    def __init__(self):
        self.documented: Set[str] = set()
        #: modules whose classes are all documented (``modules`` of the MkDocs plugin)
        self.modules: Set[str] = set()
        self.errors: List[str] = []
        self.processed: Set[Path] = set()

    def read(self, path: Path):
        path = Path(path)
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.suffix in (".rst", ".md") and child.is_file():
                    self._read_file(child, follow=False, root=path)
            return
        suffix = path.suffix.lower()
        if suffix in (".yml", ".yaml"):
            self.read_mkdocs(path)
        else:
            self._read_file(path, follow=True, root=path.parent)

    def _read_file(self, path: Path, follow: bool, root: Path):
        path = path.absolute()
        if path in self.processed:
            return
        self.processed.add(path)
        logger.info("Parsing %s", path)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            self.errors.append(f"Could not read {path}: {exc}")
            return
        if path.suffix.lower() in (".md", ".markdown"):
            self.read_markdown(text, path, follow)
        else:
            self.read_rst(text, path, follow, root)

    # reStructuredText

    def read_rst(self, text: str, path: Path, follow: bool = False, root: Optional[Path] = None):
        lines = text.splitlines()
        current_module: Optional[str] = None
        literal: Optional[int] = None  # indentation of the line opening a literal block
        toc: List[Tuple[str, bool]] = []
        i = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            if not line.strip():
                continue
            indent = _indent(line)
            if literal is not None:
                if indent > literal:
                    continue
                literal = None
            m = _RST_DIRECTIVE.match(line)
            if m is None:
                if line.rstrip().endswith("::") and not line.lstrip().startswith(".."):
                    literal = indent  # "Example::" opens a literal block
                continue
            name = _directive_name(m.group("name"))
            arg = (m.group("arg") or "").strip()
            if name == "autoxpmconfig" and arg:
                if "." not in arg and current_module:
                    arg = f"{current_module}.{arg}"
                self.documented.add(arg)
            elif name in ("currentmodule", "module"):
                current_module = None if arg in ("", "None") else arg
            elif name == "toctree":
                glob = False
                in_options = True
                while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > indent):
                    entry = lines[i].strip()
                    i += 1
                    if not entry:
                        in_options = False
                        continue
                    if in_options and entry.startswith(":"):
                        glob = glob or entry.split(":")[1].strip() == "glob"
                        continue
                    in_options = False
                    toc.append((entry, glob))
            elif name in _RST_LITERAL_DIRECTIVES:
                literal = indent
        if follow:
            for entry, glob in toc:
                self._follow_toc(entry, glob, path, root or path.parent)

    def _follow_toc(self, entry: str, glob: bool, path: Path, root: Path):
        m = re.match(r"^.*<(.+)>$", entry)
        target = m.group(1).strip() if m else entry
        if target == "self" or re.match(r"^[a-z][a-z0-9+.-]*://", target):
            return
        base = root if target.startswith("/") else path.parent
        target = target.lstrip("/")
        if glob and any(c in target for c in "*?["):
            matches = sorted(base.glob(f"{target}.rst")) + sorted(base.glob(f"{target}.md"))
            matches = [p for p in matches if p.absolute() != path.absolute()]
            for found in matches:
                self._read_file(found, True, root)
            return
        for candidate in (base / target, base / f"{target}.rst", base / f"{target}.md"):
            if candidate.is_file():
                self._read_file(candidate, True, root)
                return
        self.errors.append(f"Could not find {entry} in file {path}")

    # Markdown

    def read_markdown(self, text: str, path: Optional[Path] = None, follow: bool = False):
        current_module: Optional[str] = None
        fence: Optional[str] = None
        links: List[str] = []
        for line in text.splitlines():
            f = _MD_FENCE.match(line)
            if fence is not None:
                if f and f.group("fence").startswith(fence) and not f.group("info").strip():
                    fence = None
                continue
            if f:
                fence = f.group("fence")
                myst = _MYST_DIRECTIVE.match(f.group("info").strip())
                if myst:
                    name, arg = myst.group("name"), myst.group("arg")
                    if name == "autoxpmconfig" and arg:
                        if "." not in arg and current_module:
                            arg = f"{current_module}.{arg}"
                        self.documented.add(arg)
                    elif name in ("currentmodule", "module"):
                        current_module = arg or None
                continue
            m = _MD_DIRECTIVE.match(line)
            if m:
                self.documented.add(xpm_directive_name(m.group("name")))
                continue
            links.extend(link.group("target").strip("<>") for link in _MD_LINK.finditer(line))
        if follow and path is not None:
            for target in links:
                target = target.split("#", 1)[0]
                if not target.endswith(".md") or re.match(r"^[a-z][a-z0-9+.-]*:", target):
                    continue
                candidate = path.parent / target
                if candidate.is_file():
                    self._read_file(candidate, True, path.parent)

    # MkDocs

    def read_mkdocs(self, path: Path):
        config = _load_mkdocs_config(path)
        docs_dir = path.parent / str(config.get("docs_dir") or "docs")
        options = _plugin_options(config.get("plugins"), "experimaestro")
        for item in (options or {}).get("modules") or []:
            self.modules.update(_plugin_modules(item))
        if not docs_dir.is_dir():
            self.errors.append(f"Could not find the docs_dir {docs_dir} of {path}")
            return
        for page in sorted(docs_dir.rglob("*.md")):
            self._read_file(page, follow=False, root=docs_dir)


def _plugin_entries(item) -> List[Tuple[str, List[str]]]:
    """The (page, modules) of one entry of the ``modules`` option of the MkDocs plugin.

    Both ``{page.md: [modules]}`` and ``{module: page.md}`` are accepted.
    """
    if not isinstance(item, dict):
        return []
    entries = []
    for key, value in item.items():
        key = str(key)
        if key.endswith(".md"):
            modules = [value] if isinstance(value, str) else [str(v) for v in value or []]
            entries.append((key, modules))
        elif isinstance(value, str):
            entries.append((value, [key]))
    return entries


def _plugin_modules(item) -> List[str]:
    return [module for _, modules in _plugin_entries(item) for module in modules]


def _plugin_options(plugins, name: str) -> Optional[dict]:
    if isinstance(plugins, dict):
        plugins = [{k: v} for k, v in plugins.items()]
    for entry in plugins or []:
        if entry == name:
            return {}
        if isinstance(entry, dict) and name in entry:
            return entry[name] or {}
    return None


def _load_mkdocs_config(path: Path) -> dict:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    # mkdocs.yml files use tags (!ENV, !!python/name:...): read them as plain values
    def any_tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            return loader.construct_scalar(node)
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node)
        return loader.construct_mapping(node)

    Loader.add_multi_constructor("!", any_tag)
    Loader.add_multi_constructor("tag:yaml.org,2002:python/", any_tag)
    with open(path, encoding="utf-8") as fp:
        return yaml.load(fp, Loader=Loader) or {}


# --- The analyzer


def _colored(text: str, color: Optional[str]) -> str:
    codes = {"red": 31, "green": 32}
    if (
        color is None
        or os.environ.get("NO_COLOR")
        or not getattr(sys.stdout, "isatty", lambda: False)()
    ):
        return text
    return f"\x1b[{codes[color]}m{text}\x1b[0m"


def _print(text: str, color: Optional[str] = None):
    print(_colored(text, color))


class DocumentationAnalyzer:
    """Checks that the configuration classes of some packages are documented.

    :param doc_path: the entry point of the documentation: the main ``.rst`` file of a
        Sphinx documentation, a ``mkdocs.yml`` file, a Markdown file, or a folder
    :param modules: the packages (or modules) whose configuration classes must be
        documented
    :param excluded: modules left out (with their sub-modules); they are not imported

    Call :meth:`analyze`, then :meth:`report` to print the findings and
    :meth:`assert_valid_documentation` (or :meth:`assert_no_undocumented`) to fail a test.
    """

    def __init__(
        self,
        doc_path: Union[str, Path],
        modules: Union[str, Iterable[str]],
        excluded: Optional[Iterable[str]] = None,
    ):
        doc_path = Path(doc_path)
        if not doc_path.exists():
            raise FileNotFoundError(f"documentation entry point {doc_path} does not exist")
        self.doc_path = doc_path
        self.modules = [modules] if isinstance(modules, str) else list(modules)
        self.excluded = set(excluded or ())

        #: errors met while reading the documentation (a toctree entry not found...)
        self.documentation_errors: List[str] = []
        #: modules that could not be imported
        self.parsing_errors: List[str] = []
        #: configuration classes not documented (fully qualified names)
        self.undocumented: List[str] = []
        #: documented names that are not configuration classes of the code
        self.falsy_documented: List[str] = []
        #: all the documented names
        self.documented: Set[str] = set()

    def analyze(self):
        """Read the documentation and the packages."""
        reader = _DocumentationReader()
        reader.read(self.doc_path)
        self.documentation_errors = list(reader.errors)
        self.documented = set(reader.documented)

        report = analyze(self.modules, self.documented, self.excluded, reader.modules)
        self.parsing_errors = list(report.errors)
        self.undocumented = [_qualified_name(cls) for cls in report.undocumented]
        self.falsy_documented = list(report.falsy_documented)

    def report(self):
        """Print the findings (in color on a terminal)."""
        n = len(self.documentation_errors)
        _print(f"{n} errors were encountered while parsing documentation", "red" if n else "green")
        for error in self.documentation_errors:
            _print(f"  [documentation error] {error}", "red")
        for name in self.falsy_documented:
            _print(f"  [falsy documented] {name}", "red")

        n = len(self.parsing_errors)
        _print(f"{n} errors were encountered while parsing modules", "red" if n else "green")
        for error in self.parsing_errors:
            _print(f"  [import error] {error}", "red")

        _print(f"{len(self.undocumented)} undocumented configurations")
        for name in sorted(self.undocumented):
            _print(f"  [undocumented] {name}", "red")

    @staticmethod
    def _section(title: str, items: List[str]) -> str:
        return f"{title} ({len(items)}):\n" + "\n".join(f"  - {item}" for item in items)

    def assert_no_undocumented(self):
        """Fail (``AssertionError``) on documentation errors, import errors or
        undocumented configurations."""
        sections = []
        if self.documentation_errors:
            sections.append(
                self._section("Documentation parsing errors", self.documentation_errors)
            )
        if self.parsing_errors:
            sections.append(self._section("Module import errors", self.parsing_errors))
        if self.undocumented:
            sections.append(self._section("Undocumented configurations", sorted(self.undocumented)))
        if sections:
            raise AssertionError("\n\n".join(sections))

    def assert_valid_documentation(self):
        """As :meth:`assert_no_undocumented`, and also fail when the documentation names
        classes that are not configurations of the code ("falsy documented")."""
        self.assert_no_undocumented()
        if self.falsy_documented:
            raise AssertionError(
                self._section(
                    "Falsy documented configurations (documented, but not in the code)",
                    sorted(self.falsy_documented),
                )
            )
