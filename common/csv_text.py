"""CSV files written one way in every service (the queue's reports, the locker's audit export, the
hub's tables): one heading row, then the rows, each cell through `safe_cell`.

A cell that a spreadsheet would read as a formula (text starting with `=`, `+`, `-`, `@`, a tab
or a carriage return) gets a leading `'`, so a name such as `=HYPERLINK(...)` typed into a
staff account, a service or a center is shown, never run, when the file is opened. Numbers are
numbers (a negative wait is data, not a formula) and an unknown value is an empty cell.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence

#: How a formula starts in the spreadsheets people open these files with.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Written first by `csv_text(bom=True)`: Excel then reads the file as UTF-8 (Vietnamese letters).
BOM = "\ufeff"


def safe_cell(value: object) -> str:
    """One value as a cell: None empty, numbers as they print, text guarded against formulas."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(
    headings: Sequence[str],
    rows: Iterable[Iterable[object]],
    *,
    cell: Callable[[object], str] = safe_cell,
    crlf: bool = False,
    bom: bool = False,
) -> str:
    """The file's text: `headings`, then each row's values through `cell` (`safe_cell`, or a
    service's own formatting that ends in it); lines end in CRLF when `crlf` (RFC 4180), else LF."""
    buf = io.StringIO()
    if bom:
        buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(headings)
    for row in rows:
        writer.writerow([cell(v) for v in row])
    return buf.getvalue()
