"""MkDocs plugin documenting configuration classes (plugin name: ``experimaestro``).

Configuration in ``mkdocs.yml``::

    plugins:
      - experimaestro:
          init:                  # modules imported first (e.g. to install stand-ins
            - mypackage.docinit  # for dependencies, see experimaestro.mkdocs.metaloader)
          modules:               # page -> packages whose classes it documents
            - letor.md: [mypackage.letor]
            - misc.md: [mypackage]
          external:              # other sites documented by this plugin
            - otherpackage: https://other.example.org/experimaestro-mapping.json

Each configuration class defined in the modules of a page (sub-modules included; a
module belongs to the first entry that lists it) gets a section on that page: at the
place of a ``::xpm::module:Class`` line (the class and the classes of the page that
derive from it), or at the end of the page, under *Configurations* and *Tasks*. The
``::xpm::`` directive also works on other pages (it then documents the class alone).

A section gives the parameters of the class (name, type, default, help), its
parents and children, and the methods marked with
:func:`experimaestro.mkdocs.annotations.documentation`. Each section has the anchor
``module.QualifiedName``; the site gets an ``experimaestro-mapping.json`` (module ->
page, read by the ``external`` option of other sites) and a Sphinx inventory
``objects.inv`` (role ``py:xpmconfig``).
"""

import html
import importlib
import inspect
import json
import logging
import pkgutil
import posixpath
import re
import urllib.request
import zlib
from collections import defaultdict
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Set, Tuple
from urllib.parse import urljoin

import mkdocs.plugins
from mkdocs.config import config_options
from mkdocs.structure.files import File
from mkdocs.utils import get_relative_url

from experimaestro.core.arguments import CONSTANT, META, MISSING
from experimaestro.core.config import Config
from experimaestro.mkdocs.annotations import shoulddocument
from experimaestro.tools.documentation import (
    _plugin_entries,
    _resolve,
    is_configuration_class,
    xpm_directive_name,
)

__all__ = ["Documentation", "Configurations"]

log = logging.getLogger("mkdocs.plugins.experimaestro")

_FENCE = re.compile(r"^[ \t]*(?P<fence>```+|~~~+)(?P<info>.*)$")
_DIRECTIVE_LINE = re.compile(r"^[ \t]*(::xpm::[^ \n]+)[ \t]*$")
_FIELD_LIST = re.compile(
    r"^:(param|parameter|arg|argument|key|keyword|type|ivar|cvar|var|vartype)\b"
)


def md_escape(text: str) -> str:
    """Escape the characters that Markdown would interpret."""
    return re.sub(r"([\\*`_{}\[\]<>|])", r"\\\1", text)


def _code(text: str) -> str:
    """`text` as an inline code span."""
    ticks = "``" if "`" in text else "`"
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _qualified_name(cls) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _description(cls) -> str:
    """The docstring of a class, without its field list (``:param x: ...``)."""
    doc = inspect.cleandoc(cls.__dict__.get("__doc__") or "")
    lines: List[str] = []
    in_field = False
    for line in doc.splitlines():
        if _FIELD_LIST.match(line.strip()):
            in_field = True
            continue
        if in_field and line[:1] in (" ", "\t"):
            continue
        in_field = False
        lines.append(line)
    return "\n".join(lines).strip()


def _short_description(function) -> str:
    doc = inspect.getdoc(function) or ""
    return " ".join(doc.split("\n\n", 1)[0].split())


def _repr_default(value, limit: int = 80) -> str:
    if getattr(value, "__xpm__", None) is not None:
        cls = getattr(type(value), "__xpm_user_class__", type(value))
        text = f"{cls.__qualname__}.C(...)"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


class Configurations:
    """The configuration classes documented on a page (tasks apart)."""

    def __init__(self):
        self.configs: Set[type] = set()
        self.tasks: Set[type] = set()

    def _set(self, cls) -> Set[type]:
        return self.tasks if getattr(cls, "__xpm_is_task__", False) else self.configs

    def add(self, cls):
        self._set(cls).add(cls)

    def remove(self, cls):
        self._set(cls).discard(cls)

    def __contains__(self, cls):
        return cls in self.configs or cls in self.tasks

    def __iter__(self) -> Iterator[type]:
        yield from sorted(self.configs, key=_qualified_name)
        yield from sorted(self.tasks, key=_qualified_name)

    def __len__(self):
        return len(self.configs) + len(self.tasks)


class Documentation(mkdocs.plugins.BasePlugin):
    """MkDocs plugin documenting experimaestro configuration classes."""

    #: the directive documenting a class (``::xpm::module:Class``)
    RE_SHOWCLASS = re.compile(r"::xpm::([^ \n]+)")

    config_scheme = (
        ("name", config_options.Type(str, default="Tasks and configurations")),
        ("modules", config_options.Type(list, default=[])),
        ("external", config_options.Type(list, default=[])),
        ("init", config_options.Type(list, default=[])),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._reset()

    def _reset(self):
        #: page (source path) -> the classes it documents that are not yet shown
        self.configurations: Dict[str, Configurations] = defaultdict(Configurations)
        #: class qualified name -> URL of its page (relative to the site root)
        self.type2path: Dict[str, str] = {}
        #: class qualified name -> source path of its page
        self.type2src: Dict[str, str] = {}
        #: class qualified name -> class
        self.classes: Dict[str, type] = {}
        #: module name -> URL of the page documenting it
        self.parsed: Dict[str, str] = {}
        #: module name -> URL of its page on another site
        self.external: Dict[str, str] = {}
        #: page (source path) -> classes already shown on the page
        self._shown: Dict[str, Set[type]] = defaultdict(set)
        self._docs_dir = ""
        self._site_dir = ""
        self._directory_urls = True

    # --- Collecting the classes

    def _page_url(self, src_path: str) -> str:
        return File(src_path, self._docs_dir, self._site_dir, self._directory_urls).url

    def _register(self, cls, src_path: str) -> bool:
        name = _qualified_name(cls)
        if name in self.type2src:
            return False
        self.type2src[name] = src_path
        self.type2path[name] = self._page_url(src_path)
        self.classes[name] = cls
        return True

    def on_config(self, config, **kwargs):
        self._reset()
        self._docs_dir = config["docs_dir"]
        self._site_dir = config["site_dir"]
        self._directory_urls = config["use_directory_urls"]
        self.baseurl = config.get("site_url")

        for module_name in self.config.get("init") or []:
            importlib.import_module(module_name)

        for item in self.config.get("external") or []:
            self._load_external(item)

        for item in self.config.get("modules") or []:
            for src_path, module_names in _plugin_entries(item):
                src_path = posixpath.normpath(src_path.replace("\\", "/"))
                page_url = self._page_url(src_path)
                cfgs = self.configurations[src_path]
                for module_name in module_names:
                    for module in self._modules(module_name):
                        if module.__name__ in self.parsed:
                            continue
                        self.parsed[module.__name__] = page_url
                        for cls in self._classes_of(module):
                            if self._register(cls, src_path):
                                cfgs.add(cls)
        return config

    def _load_external(self, item):
        if isinstance(item, dict):
            _, url = next(iter(item.items()))
        else:
            url = str(item)
        log.info("Loading external mappings from %s", url)
        try:
            if re.match(r"^[a-z][a-z0-9+.-]*://", url):
                with urllib.request.urlopen(url, timeout=60) as response:
                    mappings = json.loads(response.read().decode("utf-8"))
            else:
                mappings = json.loads(Path(url).read_text(encoding="utf-8"))
        except Exception as exc:
            log.warning("Could not load the external mapping %s: %s", url, exc)
            return
        baseurl = urljoin(url, ".")
        for module, path in mappings.items():
            self.external[module] = f"{baseurl}{path}"

    def _modules(self, name: str) -> Iterator:
        """The module `name` and all its sub-modules (imported)."""
        try:
            module = importlib.import_module(name)
        except Exception as exc:
            log.warning("Could not import the module %s: %s", name, exc)
            log.debug("Import error of %s", name, exc_info=True)
            return
        yield module
        path = getattr(module, "__path__", None)
        if path is not None:
            for info in sorted(pkgutil.iter_modules(path, prefix=f"{name}."), key=lambda i: i.name):
                yield from self._modules(info.name)

    @staticmethod
    def _classes_of(module) -> List[type]:
        """The configuration classes defined in `module`."""
        return sorted(
            (
                value
                for value in list(vars(module).values())
                if is_configuration_class(value) and value.__module__ == module.__name__
            ),
            key=lambda cls: cls.__qualname__,
        )

    def on_files(self, files, config, **kwargs):
        # Classes shown only with ::xpm:: (outside the `modules` pages) can be linked
        for file in files.documentation_pages():
            try:
                text = file.content_string
            except Exception:
                continue
            for match in self._directives(text):
                cls = self._find_class(match.group(1).strip())
                if isinstance(cls, type):
                    self._register(cls, file.src_uri)
        return files

    # --- Links

    def _getlink(self, url: str, qualname: str) -> Tuple[str, Optional[str]]:
        """(qualified name, link to its documentation from the page at `url`, or None)."""
        target = self.type2path.get(qualname)
        if target is not None:
            if target == url:
                return qualname, f"#{qualname}"
            return qualname, f"{get_relative_url(target, url)}#{qualname}"
        module = qualname
        while "." in module:
            module = module.rsplit(".", 1)[0]
            baseurl = self.external.get(module)
            if baseurl is not None:
                return qualname, f"{baseurl}#{qualname}"
        return qualname, None

    def getlink(self, url: str, qualname: str) -> str:
        """A Markdown link to the documentation of `qualname` (or the bare name)."""
        qualname, href = self._getlink(url, qualname)
        return f"[{md_escape(qualname)}]({href})" if href else md_escape(qualname)

    def getConfigLink(self, pageURL: str, config: type) -> Tuple[str, Optional[str]]:
        """(qualified name, link from the page at `pageURL`) for a configuration class."""
        config = getattr(config, "__xpm_user_class__", config)
        return self._getlink(pageURL, _qualified_name(config))

    def _md_link(self, page, cls, text: Optional[str] = None) -> str:
        """A link to the section of `cls`, written as Markdown on `page` (MkDocs checks
        the links to pages of the site)."""
        qualname = _qualified_name(cls)
        text = md_escape(text or cls.__qualname__)
        src = self.type2src.get(qualname)
        if src is not None:
            if src == page.file.src_uri:
                return f"[{text}](#{qualname})"
            relative = posixpath.relpath(src, posixpath.dirname(page.file.src_uri) or ".")
            return f"[{text}]({relative}#{qualname})"
        _, href = self._getlink(page.url, qualname)
        return f"[{text}]({href})" if href else _code(qualname)

    # --- Markdown

    @staticmethod
    def _directives(markdown: str) -> Iterator[re.Match]:
        fence = None
        for line in markdown.splitlines():
            f = _FENCE.match(line)
            if fence is not None:
                if f and f.group("fence").startswith(fence) and not f.group("info").strip():
                    fence = None
                continue
            if f:
                fence = f.group("fence")
                continue
            if _DIRECTIVE_LINE.match(line):
                m = Documentation.RE_SHOWCLASS.search(line)
                if m:
                    yield m

    @staticmethod
    def _find_class(argument: str):
        """The class of a directive argument (``module:Class`` or ``module.Class``)."""
        if ":" in argument:
            module_name, _, name = argument.partition(":")
            try:
                value = importlib.import_module(module_name)
                for part in name.split("."):
                    value = getattr(value, part)
            except AttributeError:
                return None
            except Exception as exc:
                log.debug("Cannot import %s: %s", module_name, exc, exc_info=True)
                return None
            return value
        return _resolve(argument)

    def showclass(self, location, m: re.Match, page, cfgs: Optional[Configurations] = None) -> str:
        """The documentation of the class of a ``::xpm::`` directive, and of the classes
        of the page that derive from it."""
        argument = m.group(1).strip()
        cls = self._find_class(argument)
        if cls is None:
            log.warning("%s: cannot find %s", page.file.src_uri, argument)
            return f"<div class='xpm-error'>Cannot find {html.escape(argument)}</div>"
        if not (isinstance(cls, type) and issubclass(cls, Config)):
            log.warning("%s: %s is not a configuration class", page.file.src_uri, argument)
            return (
                f"<div class='xpm-error'>{html.escape(xpm_directive_name(argument))} is not an"
                " experimaestro configuration</div>"
            )
        cls = getattr(cls, "__xpm_user_class__", cls)
        classes = [cls]
        if cfgs is not None:
            descendants = [c for c in cfgs if c is not cls and issubclass(c, cls)]
            descendants.sort(key=lambda c: (len(c.__mro__), _qualified_name(c)))
            classes.extend(descendants)
            for c in classes:
                cfgs.remove(c)
        lines: List[str] = []
        self.build_doc(page, lines, classes)
        return "".join(lines)

    def build_doc(self, page, lines: List[str], classes) -> None:
        """Append to `lines` the Markdown documentation of `classes`."""
        shown = self._shown[page.file.src_uri]
        for cls in classes:
            cls = getattr(cls, "__xpm_user_class__", cls)
            if cls in shown:
                continue
            shown.add(cls)
            try:
                lines.append(self._class_doc(page, cls))
            except Exception as exc:
                log.warning("Cannot document %s: %s", _qualified_name(cls), exc)
                lines.append(
                    f"### {md_escape(cls.__qualname__)}\n\n"
                    f"<div class='xpm-error'>Cannot document {html.escape(_qualified_name(cls))}:"
                    f" {html.escape(str(exc))}</div>\n\n"
                )

    def _class_doc(self, page, cls) -> str:
        xpmtype = cls.__xpmtype__
        qualname = _qualified_name(cls)
        out = [
            f'### {md_escape(cls.__qualname__)} <span id="{qualname}"></span>\n\n',
            _code(f"from {cls.__module__} import {cls.__qualname__.split('.')[0]}"),
            " (task)" if getattr(cls, "__xpm_is_task__", False) else "",
            "\n\n",
        ]
        if str(xpmtype.identifier) != qualname.lower():
            out.append(f"Identifier: {_code(str(xpmtype.identifier))}\n\n")
        description = _description(cls)
        if description:
            out.extend((description, "\n\n"))

        def links(classes) -> str:
            return ", ".join(self._md_link(page, c, _qualified_name(c)) for c in classes)

        parents = [base for base in cls.__bases__ if is_configuration_class(base)]
        if parents:
            out.append(f"*Parents*: {links(parents)}\n\n")
        children = sorted(
            (c for c in self.classes.values() if cls in c.__bases__),
            key=_qualified_name,
        )
        if children:
            out.append(f"*Children*: {links(children)}\n\n")

        if xpmtype.arguments:
            out.append("**Parameters**\n\n")
            for name, argument in xpmtype.arguments.items():
                out.append(self._argument_doc(page, name, argument))
            out.append("\n")

        methods = [
            member
            for _, member in inspect.getmembers(
                cls, lambda m: inspect.isfunction(m) and shoulddocument(m)
            )
        ]
        if methods:
            out.append("**Methods**\n\n")
            for method in methods:
                try:
                    signature = inspect.signature(method)
                    parameters = list(signature.parameters.values())[1:]  # without self
                    signature = str(signature.replace(parameters=parameters))
                except (TypeError, ValueError):
                    signature = "(...)"
                out.append(f"- {_code(method.__name__ + signature)}")
                short = _short_description(method)
                if short:
                    out.append(f": {short}")
                out.append("\n")
            out.append("\n")
        return "".join(out)

    def _argument_doc(self, page, name: str, argument) -> str:
        details = [self._type_doc(page, argument.type)]
        if argument.generator is not None:
            details.append("*generated*")
        elif argument.kind is CONSTANT:
            details.append(f"*constant*: {_code(_repr_default(argument.default))}")
        elif argument.factory is not None:
            factory = argument.factory
            details.append(
                f"default: {_code(getattr(factory, '__qualname__', repr(factory)) + '()')}"
            )
        elif argument.default is not MISSING:
            details.append(f"default: {_code(_repr_default(argument.default))}")
        elif argument.required:
            details.append("*required*")
        else:
            details.append("*optional*")
        if argument.kind is META:
            details.append("*meta*")
        text = f"- **{md_escape(name)}** ({', '.join(details)})"
        help_text = argument.help
        if help_text:
            help_lines = help_text.strip().splitlines()
            text += ": " + help_lines[0] + "".join(f"\n  {line}" for line in help_lines[1:])
        return text + "\n"

    def _type_doc(self, page, t) -> str:
        from experimaestro.core import types as T

        def fmt(t) -> str:
            if isinstance(t, T.ConfigType):
                return self._md_link(page, t.cls)
            if isinstance(t, T.OptionalType):
                return f"Optional\\[{fmt(t.inner)}\\]"
            if isinstance(t, T.ListType):
                return f"list\\[{fmt(t.inner)}\\]"
            if isinstance(t, T.SetType):
                return f"set\\[{fmt(t.inner)}\\]"
            if isinstance(t, T.DictType):
                return f"dict\\[{fmt(t.key)}, {fmt(t.value)}\\]"
            if isinstance(t, T.UnionType):
                return " \\| ".join(fmt(o) for o in t.options)
            if isinstance(t, T.TupleType):
                items = ", ".join(fmt(i) for i in t.items) + (", ..." if t.ellipsis else "")
                return f"tuple\\[{items}\\]"
            return md_escape(str(t))

        return fmt(t)

    def on_page_markdown(self, markdown, page, config=None, files=None, **kwargs):
        """Replace the ``::xpm::`` lines; add the sections of the page's other classes."""
        src = page.file.src_uri
        cfgs = self.configurations.get(src)

        out: List[str] = []
        fence = None
        for line in markdown.split("\n"):
            f = _FENCE.match(line)
            if fence is not None:
                if f and f.group("fence").startswith(fence) and not f.group("info").strip():
                    fence = None
            elif f:
                fence = f.group("fence")
            elif _DIRECTIVE_LINE.match(line):
                m = self.RE_SHOWCLASS.search(line)
                out.append(self.showclass(page.url, m, page, cfgs))
                continue
            out.append(line)
        markdown = "\n".join(out)

        if cfgs:
            lines = [markdown, "\n\n"]
            configs = sorted(cfgs.configs, key=_qualified_name)
            tasks = sorted(cfgs.tasks, key=_qualified_name)
            if configs:
                lines.append("## Configurations\n\n")
                self.build_doc(page, lines, configs)
            if tasks:
                lines.append("## Tasks\n\n")
                self.build_doc(page, lines, tasks)
            markdown = "".join(lines)
        return markdown

    # --- Index files

    def on_post_build(self, config, **kwargs):
        site_dir = Path(config["site_dir"])
        mapping_path = site_dir / "experimaestro-mapping.json"
        log.debug("Writing %s", mapping_path)
        mapping_path.write_text(json.dumps(self.parsed, indent=1, sort_keys=True), encoding="utf-8")

        def clean(text: str) -> str:
            return re.sub(r"\s+", " ", str(text))

        header = (
            "# Sphinx inventory version 2\n"
            f"# Project: {clean(config.get('site_name') or '')}\n"
            "# Version: \n"
            "# The remainder of this file is compressed using zlib.\n"
        )
        body = "".join(
            f"{qualname} py:xpmconfig 1 {self.type2path[qualname]}#$ -\n"
            for qualname in sorted(self.type2path)
        )
        (site_dir / "objects.inv").write_bytes(
            header.encode("utf-8") + zlib.compress(body.encode("utf-8"), 9)
        )
