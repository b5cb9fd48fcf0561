"""The confirmation dialog (kill, clean) and the help screen (every key of every
screen)."""

from typing import List, Sequence, Tuple

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from rich.markup import escape
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

__all__ = ["ConfirmScreen", "HelpScreen", "describe_bindings"]


class ConfirmScreen(ModalScreen[bool]):
    """A question answered yes (``y``) or no (``n``, ``Esc``)."""

    DEFAULT_CSS = """
    ConfirmScreen { align: center middle; }
    ConfirmScreen > Vertical {
        width: 72; height: auto; border: thick $warning; background: $surface;
        padding: 1 2;
    }
    ConfirmScreen Label { width: 100%; margin-bottom: 1; }
    ConfirmScreen Horizontal { height: auto; align-horizontal: right; }
    ConfirmScreen Button { margin-left: 2; }
    """
    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n", "answer(False)", "No"),
                Binding("escape", "answer(False)", "No")]

    def __init__(self, question: str):
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self.question)
            with Horizontal():
                yield Button("Yes (y)", variant="error", id="yes")
                yield Button("No (n)", variant="primary", id="no")

    def on_mount(self):
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed):
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool):
        self.dismiss(yes)


class HelpScreen(ModalScreen[None]):
    """The keys of each screen: ``sections`` are (title, [(key, what it does)])."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80; height: 90%; border: thick $primary; background: $surface;
        padding: 0 1;
    }
    """
    BINDINGS = [Binding("escape", "close", "Close"), Binding("question_mark", "close",
                                                              "Close", show=False),
                Binding("q", "close", "Close", show=False)]

    def __init__(self, sections: Sequence[Tuple[str, Sequence[Tuple[str, str]]]]):
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(self._table(), id="help")

    def _table(self) -> Table:
        table = Table(title="experimaestro monitor: keys", show_header=False, box=None,
                      padding=(0, 2))
        table.add_column("key", style="bold cyan", no_wrap=True)
        table.add_column("what")
        for title, keys in self.sections:
            table.add_row("", "")
            table.add_row(f"[bold]{escape(title)}[/]", "")
            for key, description in keys:
                table.add_row(escape(key), escape(description))
        return table

    def action_close(self):
        self.dismiss(None)


#: how keys are written in the help (Textual's names of some keys)
_KEY_NAMES = {"question_mark": "?", "slash": "/", "enter": "Enter", "escape": "Esc",
              "tab": "Tab", "pagedown": "PageDown", "pageup": "PageUp"}


def describe_bindings(bindings: Sequence[Binding]) -> List[Tuple[str, str]]:
    """(keys, description) of bindings; keys of the same action on one line."""
    rows: List[Tuple[str, str]] = []
    where = {}
    for binding in bindings:
        key = _KEY_NAMES.get(binding.key, binding.key)
        description = binding.description or binding.action
        if binding.tooltip:
            description = f"{description} ({binding.tooltip})"
        if description in where:
            i = where[description]
            rows[i] = (f"{rows[i][0]}, {key}", description)
        else:
            where[description] = len(rows)
            rows.append((key, description))
    return rows
