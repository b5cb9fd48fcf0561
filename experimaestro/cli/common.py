"""What the commands on a workspace share: the ``--workdir`` / ``--workspace`` options
(on the group, or on each command), opening the workspace, naming a job, tables."""

import time
from typing import List, Optional

import click

__all__ = ["workspace_options", "group_workspace_options", "remember_workspace",
           "open_workspace", "find_job", "table", "time_text"]


def workspace_options(fn, on_group: bool = False):
    """``--workdir PATH`` and ``--workspace ID`` on a command (they win over the group's),
    or on a group (``on_group``: its commands read them with ``remember_workspace``)."""
    also = " (also accepted by each command)" if on_group else ""
    fn = click.option("--workspace", default=None, metavar="ID",
                      help="A workspace of the settings file (default: its first one)")(fn)
    return click.option("--workdir", type=click.Path(file_okay=False), default=None,
                        help=f"The workspace folder{also}")(fn)


def group_workspace_options(fn):
    return workspace_options(fn, on_group=True)


def remember_workspace(ctx, workdir: Optional[str], workspace: Optional[str]):
    """Keep the group's ``--workdir`` / ``--workspace`` for its commands."""
    ctx.ensure_object(dict)
    ctx.obj["group_workdir"] = workdir
    ctx.obj["group_workspace"] = workspace


def open_workspace(ctx, workdir: Optional[str], workspace: Optional[str]):
    """The WorkspaceIndex of the command's workspace; an error when it is not one."""
    from experimaestro.index.workspace import WorkspaceIndex
    from .workspaces import resolve_workspace

    parent = ctx.find_object(dict) or {}
    workdir = workdir or parent.get("group_workdir")
    workspace = workspace or parent.get("group_workspace")
    # (managing job folders: a workspace with 2.x's `folders` is fine, see jobs recover)
    ws = resolve_workspace(workdir, workspace, to_run=False)
    index = WorkspaceIndex(ws.path, settings=ws)
    if not index.is_workspace():
        raise click.ClickException(f"{index.path} is not an experimaestro workspace (no jobs/"
                                   " folder)")
    return index


def find_job(index, ref: str):
    """The job named by ``ref`` in ``index``, or a ClickException saying why not."""
    from experimaestro.index.workspace import JobLookupError

    try:
        return index.find(ref)
    except JobLookupError as exc:
        raise click.ClickException(str(exc)) from None


def time_text(ts: Optional[float]) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else "-"


def table(rows: List[List[str]], headers: List[str]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        widths = [max(w, len(c)) for w, c in zip(widths, row)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    for row in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return "\n".join(lines)
