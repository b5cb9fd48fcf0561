"""The tables: experiments, jobs (of an experiment or of the workspace: searched, sorted,
one page at a time) and the services of an experiment."""

import time
from typing import List, Optional, Tuple

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Header, Input, Static

from experimaestro.monitor.model import Key, QueryError

from .base import Changes, ModelScreen, job_key, row_key
from .format import EXPERIMENT_COLUMNS, JOB_COLUMNS, experiment_cells, job_cells, state_text
from .job import DetailsScreen, JobActions
from .widgets import KeyedTable

__all__ = ["ExperimentsScreen", "JobsScreen", "ServicesScreen", "PAGE"]

#: at most this many rows in a jobs table (a workspace may hold 100,000 jobs; a table
#: measures each cell it holds: 500 rows, ~0.1 s)
PAGE = 500
#: above this many jobs, a change of a few jobs updates their rows only (it does not search
#: and sort again: ~0.1 s at 100,000 jobs)
REQUERY_LIMIT = 20_000
#: seconds between two updates of the running rows (progress, duration)
TICK = 2.0
#: seconds without typing before a search runs
TYPING = 0.25


class ExperimentsScreen(ModelScreen):
    """The current run of each experiment of the workspace."""

    BINDINGS = [Binding("enter", "open", "Jobs"), Binding("j", "all_jobs", "All jobs"),
                Binding("s", "services", "Services"), Binding("r", "reread", "Reread")]

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="summary")
        yield KeyedTable(EXPERIMENT_COLUMNS, id="experiments")
        yield Footer()

    def on_mount(self):
        self.sub_title = str(self.model.path)
        self.query_one(KeyedTable).focus()
        self.model_changed(None)

    def model_changed(self, changed: Changes):
        runs = self.model.experiments()
        self.query_one(KeyedTable).show([(r.experiment, experiment_cells(r)) for r in runs])
        if self.model.loaded:
            jobs = f"{len(self.model.jobs()):,} job(s) in the workspace"
        else:  # (run() reads the workspace while the UI starts)
            jobs = "reading the workspace…"
        self.query_one("#summary", Static).update(
            f"{len(runs)} experiment(s), {jobs} — Enter: jobs of the experiment, j: all"
            " jobs, ?: keys")

    def _selected(self) -> Optional[str]:
        return self.query_one(KeyedTable).selected_key()

    def on_data_table_row_selected(self, event: DataTable.RowSelected):
        event.stop()
        self.action_open()

    def action_open(self):
        name = self._selected()
        if name is not None:
            self.app.push_screen(JobsScreen(name))

    def action_all_jobs(self):
        self.app.push_screen(JobsScreen(None))

    def action_services(self):
        name = self._selected()
        if name is not None:
            self.app.push_screen(ServicesScreen(name))

    def action_reread(self):
        self.in_thread(self.model.refresh_all, lambda _: self.app.tell("Workspace read again"),
                       group="reread")


class JobsScreen(JobActions, ModelScreen):
    """The jobs of an experiment's current run (None: of the workspace), one page of
    PAGE rows, matching the search and in the chosen order."""

    DEFAULT_CSS = """
    JobsScreen #search { margin: 0 1; }
    JobsScreen #status { padding: 0 1; height: auto; }
    """
    BINDINGS = [Binding("slash", "search", "Search"), Binding("enter", "details", "Details"),
                *JobActions.JOB_BINDINGS,
                *(Binding(key, f"sort('{sort}')", f"Sort: {sort}", tooltip="again: reversed")
                  for key, sort in (("S", "state"), ("T", "task"), ("D", "submitted"),
                                    ("U", "duration"))),
                Binding("s", "services", "Services"), Binding("escape", "back", "Back")]

    def __init__(self, experiment: Optional[str]):
        super().__init__()
        self.experiment = experiment
        self.query_text = ""
        self.sort, self.descending, self.page_offset = "state", False, 0
        self.total = 0
        self.error: Optional[str] = None
        self._typing = None

    def compose(self) -> ComposeResult:
        yield Header()
        yield Input(placeholder="/ search: free words, or a filter such as"
                                " @state = \"failed\" and tag.lr > 0.1", id="search")
        yield Static(id="status")
        yield KeyedTable(JOB_COLUMNS, id="jobs")
        yield Footer()

    def on_mount(self):
        what = f"jobs of {self.experiment}" if self.experiment else "all jobs"
        self.sub_title = f"{what} — {self.model.path}"
        self.query_one(KeyedTable).focus()
        self.set_interval(TICK, self._tick)
        self.model_changed(None)

    # -- reading -----------------------------------------------------------------

    def model_changed(self, changed: Changes):
        if changed is None or self.total <= REQUERY_LIMIT:
            self._select()
        else:
            self._update_rows(changed)

    def _select(self, cursor: Optional[str] = None, threaded: bool = False):
        """Search and sort again; in a thread for a search being typed (free words over
        100,000 jobs: ~0.5 s), here otherwise (~0.1 s, and no thread to share the
        interpreter with)."""
        query, sort, descending, offset = (self.query_text, self.sort, self.descending,
                                           self.page_offset)

        def work():
            try:
                total, rows = self.model.select(self.experiment, query, sort, descending,
                                                offset, PAGE)
            except (QueryError, KeyError) as exc:
                return str(exc.args[0] if exc.args else exc)
            return total, [(row_key(r.key), self._cells(r))
                           for r in rows]
        if threaded:
            self.in_thread(work, lambda answer: self._show(answer, cursor), group="select")
        else:
            self.workers.cancel_group(self, "select")  # (a search typed before is void)
            self._show(work(), cursor)

    def _show(self, answer, cursor: Optional[str]):
        if isinstance(answer, str):  # a wrong filter: say why, keep the rows
            self.error = answer
        else:
            self.error = None
            self.total, rows = answer
            self.query_one(KeyedTable).show(rows, cursor)
        self._status()

    def _update_rows(self, changed):
        table = self.query_one(KeyedTable)
        for key in changed:
            row = self.model.job(key)
            if row is not None and table.cells(row_key(key)) is not None:
                table.update_row(row_key(key), self._cells(row))
        self._status()

    def _cells(self, row):
        """(progress.json is read for running jobs only: a done job shows no %)"""
        return job_cells(row, self.model.progress(row) if row.state == "running" else [])

    def _tick(self):
        """Running jobs: their progress and duration move without any file event."""
        table = self.query_one(KeyedTable)
        running = [job_key(k) for k in table.keys
                   if (c := table.cells(k)) and str(c["state"]).startswith("running")]
        if running:
            self._update_rows(running)

    def _status(self):
        shown = len(self.query_one(KeyedTable).keys)
        order = f"sorted by {self.sort} {'↓' if self.descending else '↑'}"
        if not self.model.loaded:
            text = Text("reading the workspace…")
        elif self.total == 0:
            text = Text(f"no job matches — {order}")
        elif shown < self.total:
            text = Text(f"showing {self.page_offset + 1:,}–{self.page_offset + shown:,} of"
                        f" {self.total:,} jobs — {order}; narrow the search, or"
                        " PageDown on the last row for more")
        else:
            text = Text(f"{self.total:,} jobs — {order}")
        if self.error:
            text.append(f"\nsearch error: {self.error}", style="bold red")
        self.query_one("#status", Static).update(text)

    # -- keys --------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed):
        if event.value == self.query_text:
            return
        self.query_text, self.page_offset = event.value, 0
        if self._typing is not None:
            self._typing.stop()
        self._typing = self.set_timer(TYPING, lambda: self._select(threaded=True))

    def on_input_submitted(self, event: Input.Submitted):
        if self._typing is not None:  # no need to wait: search now
            self._typing.stop()
            self._typing = None
            self._select(threaded=True)
        self.query_one(KeyedTable).focus()

    def on_keyed_table_page_request(self, event: KeyedTable.PageRequest):
        offset = self.page_offset + event.step * PAGE
        if 0 <= offset < self.total:
            self.page_offset = offset
            self._select()

    def on_data_table_row_selected(self, event: DataTable.RowSelected):
        event.stop()
        self.action_details()

    def selected_job(self) -> Optional[Key]:
        key = self.query_one(KeyedTable).selected_key()
        return None if key is None else job_key(key)

    def action_search(self):
        self.query_one(Input).focus()

    def action_sort(self, sort: str):
        self.descending = not self.descending if sort == self.sort else False
        self.sort, self.page_offset = sort, 0
        self._select()

    def action_details(self):
        key = self.selected_job()
        if key is not None:
            self.app.push_screen(DetailsScreen(key))

    def action_services(self):
        if self.experiment is None:
            self.app.tell("All jobs: services belong to an experiment (open its jobs)",
                          error=True)
        else:
            self.app.push_screen(ServicesScreen(self.experiment))

    def action_back(self):
        if self.query_one(Input).has_focus:
            self.query_one(KeyedTable).focus()
        else:
            self.app.pop_screen()

    @property
    def shown(self) -> List[Tuple[str, dict]]:
        """The rows shown (key, cells), for tests and screenshots."""
        table = self.query_one(KeyedTable)
        return [(k, table.cells(k)) for k in table.keys]


class ServicesScreen(ModelScreen):
    """The services an experiment's current run declares (while it runs)."""

    COLUMNS = (("id", "Service"), ("description", "Description"), ("state", "State"),
               ("url", "URL"))
    BINDINGS = [Binding("escape", "back", "Back")]

    def __init__(self, experiment: str):
        super().__init__()
        self.experiment = experiment

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="services-status")
        yield KeyedTable(self.COLUMNS, id="services")
        yield Footer()

    def on_mount(self):
        self.sub_title = f"services of {self.experiment}"
        self.model_changed(None)

    def model_changed(self, changed: Changes):
        services = self.model.services(self.experiment)
        rows = [(str(s.get("service_id", i)), {
            "id": str(s.get("service_id", "-")), "description": str(s.get("description") or ""),
            "state": state_text(_service_state(s.get("state")), str(s.get("state") or "-")),
            "url": str(s.get("url") or "-")}) for i, s in enumerate(services)]
        self.query_one(KeyedTable).show(rows)
        running = self.model.experiment_running(self.experiment)
        self.query_one("#services-status", Static).update(
            f"{len(rows)} service(s) — the experiment is"
            f" {'running' if running else 'not running'} (at {time.strftime('%H:%M:%S')})")

    def action_back(self):
        self.app.pop_screen()


def _service_state(state) -> str:
    """The colour of a service's state, as a job's."""
    return {"RUNNING": "running", "STOPPED": "done", "STARTING": "queued",
            "ERROR": "failed"}.get(str(state).upper(), "pending")
