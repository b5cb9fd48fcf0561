"""One job: its details, its logs, and the actions on a job (kill, clean) shared with the
jobs table."""

from typing import Optional

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Header, Log, Static

from experimaestro.monitor.model import Key, LogRefused

from .base import Changes, ModelScreen
from .dialogs import ConfirmScreen
from .format import duration_text, job_duration, local_time, state_text

__all__ = ["JobActions", "DetailsScreen", "LogScreen"]

#: how much of a log is shown when it opens (its end), and read at most at each poll
LOG_TAIL = 256 * 1024
#: seconds between two readings of a followed log
FOLLOW_EVERY = 0.5


class JobActions:
    """Details, logs, kill and clean of the job ``selected_job()`` (of the screen)."""

    JOB_BINDINGS = [Binding("l", "log", "Log"), Binding("ctrl+k", "kill", "Kill"),
                    Binding("ctrl+d", "clean", "Clean")]

    def action_log(self):
        key = self.selected_job()
        if key is not None:
            self.app.push_screen(LogScreen(key))

    def action_kill(self):
        row = self._selected_row()
        if row is not None:
            self._confirm(f"Kill {row.short} ({row.state_text})?", row.key, "kill")

    def action_clean(self):
        row = self._selected_row()
        if row is not None:
            self._confirm(f"Remove the folder of {row.short} ({row.state_text})?\n"
                          f"{row.path}", row.key, "clean")

    def _selected_row(self):
        key = self.selected_job()
        return None if key is None else self.model.job(key)

    def _confirm(self, question: str, key: Key, what: str):
        def answered(yes: Optional[bool]):
            if yes:
                self.in_thread(lambda: getattr(self.model, what)(key), self._outcome,
                               group="action")
        self.app.push_screen(ConfirmScreen(question), answered)

    def _outcome(self, outcome):
        self.app.tell(outcome.message, error=outcome.status == "error")


class DetailsScreen(JobActions, ModelScreen):
    """Everything about one job; follows its changes."""

    BINDINGS = [*JobActions.JOB_BINDINGS, Binding("escape", "back", "Back")]

    def __init__(self, key: Key):
        super().__init__()
        self.key = key

    def compose(self) -> ComposeResult:
        yield Header()
        with VerticalScroll():
            yield Static(id="details")
        yield Footer()

    def on_mount(self):
        self.sub_title = f"job {self.key[0]}/{self.key[1][:12]}"
        self.model_changed(None)

    def selected_job(self) -> Optional[Key]:
        return self.key

    def model_changed(self, changed: Changes):
        if changed is None or self.key in changed:
            self.in_thread(self._read, self._show, group="details")

    def _read(self):
        try:
            return self.model.details(self.key)
        except KeyError as exc:
            return str(exc.args[0])

    def _show(self, details):
        widget = self.query_one("#details", Static)
        if isinstance(details, str):
            widget.update(Text(f"{details} (removed?)", style="red"))
        else:
            widget.update(Group(*self._sections(details)))

    def _sections(self, d: dict):
        model = self.model
        short = {k: model.job(k) for k in map(tuple, d["dependencies"] + (d["dependents"] or []))}

        def names(keys):
            if keys is None:
                return "(not computed: the experiments have too many jobs)"
            return ", ".join(short[tuple(k)].short if short.get(tuple(k)) else "/".join(k)
                             for k in keys) or "-"
        row = model.job(self.key)
        yield _grid("Job", [
            ("state", state_text(d["state"], d["state_text"])),
            ("message", d["message"] or "-"), ("task", (row.task if row else None) or "-"),
            ("type", d["type"]), ("id", d["id"]), ("folder", d["path"]),
            ("experiments", ", ".join(d["experiments"]) or "-"),
            ("process", str(d["pid"]) if d["pid"] else "-")])
        yield _grid("Times", [
            ("submitted", local_time(d["submitted"])), ("started", local_time(d["started"])),
            ("ended", local_time(d["ended"])),
            ("duration", duration_text(job_duration(row) if row else None))])
        if d["progress"]:
            yield _grid("Progress", [(p["desc"] or f"level {i}", f"{p['value'] * 100:.1f}%")
                                     for i, p in enumerate(d["progress"])])
        yield _grid("Tags", sorted((k, repr(v)) for k, v in d["tags"].items()))
        yield _grid("Parameters", sorted((k, repr(v)) for k, v in d["params"].items()))
        yield _grid("Metrics", sorted((k, repr(v)) for k, v in d["metrics"].items()))
        yield _grid("Dependencies", [("depends on", names(d["dependencies"])),
                                     ("needed by", names(d["dependents"]))])
        yield _grid("Logs", [(name, d["path"] + "/" + name) for name in d["logs"]])

    def _outcome(self, outcome):
        super()._outcome(outcome)
        if outcome.status == "cleaned":  # nothing left to show
            self.app.pop_screen()

    def action_back(self):
        self.app.pop_screen()


def _grid(title: str, rows) -> Table:
    table = Table(title=f"[bold]{escape(title)}[/]", title_justify="left", show_header=False,
                  box=None, padding=(0, 2), expand=True)
    table.add_column("name", style="cyan", no_wrap=True, min_width=14)
    table.add_column("value", overflow="fold")
    for name, value in rows or [("-", "")]:
        table.add_row(escape(str(name)), value if isinstance(value, Text) else escape(str(value)))
    return table


class LogScreen(ModelScreen):
    """The stdout or stderr of a job, from its end; followed (new text appended as the
    file grows) while ``f`` is on."""

    BINDINGS = [Binding("o", "show('out')", "stdout"), Binding("e", "show('err')", "stderr"),
                Binding("tab", "switch", "stdout/stderr"), Binding("f", "follow", "Follow"),
                Binding("escape", "back", "Back")]

    def __init__(self, key: Key):
        super().__init__()
        self.key = key
        self.follow = False
        self.stream = "out"
        self.log_offset: Optional[int] = None  # None: not read yet

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="logstatus")
        yield Log(max_lines=100_000, id="log")
        yield Footer()

    def on_mount(self):
        self.sub_title = f"log of {self.key[0]}/{self.key[1][:12]}"
        row = self.model.job(self.key)  # a job that may still write: followed
        self.follow = row is not None and row.state in ("running", "queued", "pending")
        self.set_interval(FOLLOW_EVERY, self._poll)
        self.action_show(self.stream)
        self.query_one(Log).focus()

    def model_changed(self, changed: Changes):
        if changed is None or self.key in changed:
            self._status()

    def _file_name(self) -> str:
        row = self.model.job(self.key)
        return (row.stdout if self.stream == "out" else row.stderr).name if row else ""

    def action_show(self, stream: str):
        self.stream, self.log_offset = stream, None
        self.query_one(Log).clear()
        self._read()

    def action_switch(self):
        self.action_show("err" if self.stream == "out" else "out")

    def action_follow(self):
        self.follow = not self.follow
        self._status()
        if self.follow:
            self._read()

    def action_back(self):
        self.app.pop_screen()

    def _poll(self):
        if self.follow:
            self._read()

    def _read(self):
        """Append what the file gained since the last reading (the first: its end)."""
        log = self.query_one(Log)
        name = self._file_name()
        try:
            offset = -LOG_TAIL if self.log_offset is None else self.log_offset
            text, self.log_offset, size = self.model.read_log(self.key, name, offset, LOG_TAIL)
        except LogRefused as exc:
            self._status(str(exc))
            return
        if offset > size:  # the file was written again from the start (a new run)
            log.clear()
            self.log_offset = None
            self._read()
            return
        if offset < 0 and size > LOG_TAIL:
            log.write_line(f"[… {size - LOG_TAIL:,} bytes before not shown]")
        if text:
            log.write(text)
        self._status()

    def _status(self, problem: Optional[str] = None):
        row = self.model.job(self.key)
        state = row.state_text if row else "removed"
        follow = "following (f: stop)" if self.follow else "not following (f: follow)"
        what = {"out": "stdout", "err": "stderr"}[self.stream]
        text = Text.assemble((f"{what} ", "bold"), (f"{self._file_name()}  ", ""),
                             state_text(row.state if row else None, state), f"  {follow}")
        if problem:
            text.append(f"\n{problem}", style="yellow")
        self.query_one("#logstatus", Static).update(text)
