"""A DataTable whose rows have keys and whose contents are replaced as a whole: a row
list that did not change only has its changed cells updated (a live update does not move
the cursor nor redraw the table)."""

from typing import Any, Dict, List, Optional, Sequence, Tuple

from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

__all__ = ["KeyedTable"]

Cells = Dict[str, Any]


class KeyedTable(DataTable):
    """Rows keyed by a string, columns by their key; PageDown on the last row (PageUp on
    the first) asks the screen for the next (previous) page."""

    # Home and End move to the first and last row (DataTable's: to the first and last
    # column, which a row table does not need)
    BINDINGS = [Binding("home", "scroll_top", "First row", show=False),
                Binding("end", "scroll_bottom", "Last row", show=False)]

    class PageRequest(Message):
        def __init__(self, table: "KeyedTable", step: int):
            super().__init__()
            self.table, self.step = table, step

    def __init__(self, columns: Sequence[Tuple[str, str]], **kwargs):
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)
        self._columns = list(columns)
        self._order: List[str] = []
        self._cells: Dict[str, Cells] = {}

    def on_mount(self):
        for key, label in self._columns:
            self.add_column(label, key=key)

    @property
    def keys(self) -> List[str]:
        return list(self._order)

    def cells(self, key: str) -> Optional[Cells]:
        return self._cells.get(key)

    def selected_key(self) -> Optional[str]:
        if not self._order or not 0 <= self.cursor_row < len(self._order):
            return None
        return self._order[self.cursor_row]

    def show(self, rows: List[Tuple[str, Cells]], cursor: Optional[str] = None):
        """Show these rows (in this order); the cursor stays on its row when the row is
        still there (``cursor``: move it to that row instead)."""
        order = [key for key, _ in rows]
        if order == self._order:
            for key, cells in rows:
                self.update_row(key, cells)
        else:
            self._rebuild(rows, cursor or self.selected_key())
            return
        if cursor in self._cells:
            self.move_cursor(row=self._order.index(cursor))

    def update_row(self, key: str, cells: Cells):
        """Update the cells of a shown row that changed."""
        old = self._cells.get(key)
        if old is None:
            return
        for column, value in cells.items():
            if old.get(column) != value:
                self.update_cell(key, column, value, update_width=True)
        self._cells[key] = cells

    def _rebuild(self, rows: List[Tuple[str, Cells]], cursor: Optional[str]):
        index = self.cursor_row
        self.clear()
        self._order = [key for key, _ in rows]
        self._cells = dict(rows)
        for key, cells in rows:
            self.add_row(*(cells.get(c, "") for c, _ in self._columns), key=key)
        if cursor in self._cells:
            index = self._order.index(cursor)
        if self._order:
            self.move_cursor(row=max(0, min(index, len(self._order) - 1)))

    def action_page_down(self):
        if self._order and self.cursor_row >= len(self._order) - 1:
            self.post_message(self.PageRequest(self, 1))
            return
        super().action_page_down()

    def action_page_up(self):
        if self._order and self.cursor_row <= 0:
            self.post_message(self.PageRequest(self, -1))
            return
        super().action_page_up()
