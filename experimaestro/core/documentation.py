"""Parameter help, read from class docstrings (``:param name: text``) or attribute docstrings."""

import ast
import inspect
import re
import textwrap

_PARAM_RE = re.compile(r"^\s*:param\s+(\w+)\s*:\s*(.*)$")


def field_help(owner, name: str):
    doc = owner.__doc__ or ""
    lines = inspect.cleandoc(doc).splitlines()
    for i, line in enumerate(lines):
        m = _PARAM_RE.match(line)
        if m and m.group(1) == name:
            text = [m.group(2).strip()]
            for cont in lines[i + 1 :]:
                if not cont.strip() or cont.lstrip().startswith(":"):
                    break
                text.append(cont.strip())
            return " ".join(t for t in text if t)
    return _attribute_docstring(owner, name)


def _attribute_docstring(owner, name: str):
    """A string literal placed right after the field declaration."""
    try:
        source = textwrap.dedent(inspect.getsource(owner))
        tree = ast.parse(source)
    except (OSError, TypeError, SyntaxError, IndentationError):
        return None
    body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
    for node, nxt in zip(body, body[1:]):
        target = getattr(node, "target", None)
        if isinstance(node, ast.AnnAssign) and isinstance(target, ast.Name) and target.id == name:
            if isinstance(nxt, ast.Expr) and isinstance(getattr(nxt, "value", None), ast.Constant):
                if isinstance(nxt.value.value, str):
                    return inspect.cleandoc(nxt.value.value)
    return None
