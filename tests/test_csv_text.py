"""One way to write CSV in every service (common/csv_text.py): no cell a spreadsheet would run as
a formula, numbers as numbers, an unknown value empty; and the queue's reports go through it."""

from __future__ import annotations

import csv
import io

from common.csv_text import csv_text, safe_cell
from contracts.queueing_reports import ReportRow
from queueing import reports


def test_safe_cell() -> None:
    assert safe_cell("=1+1") == "'=1+1" and safe_cell("\t=1") == "'\t=1" and safe_cell("\r=1") == "'\r=1"
    assert (
        safe_cell("+1-2") == "'+1-2" and safe_cell("-1+2") == "'-1+2" and safe_cell("@SUM(A1)") == "'@SUM(A1)"
    )
    assert safe_cell("kiosk:k1") == "kiosk:k1" and safe_cell(None) == "" and safe_cell(12) == "12"
    assert safe_cell(-3) == "-3" and safe_cell(-1.5) == "-1.5"  # a number is data, not a formula
    assert safe_cell("Nguyễn Văn A") == "Nguyễn Văn A"


def test_csv_text_lines_bom_and_a_service_s_own_cells() -> None:
    assert csv_text(["a", "b"], [[1, None], ["=x", "y,z"]]) == 'a,b\n1,\n\'=x,"y,z"\n'
    assert csv_text(["a"], [[1]], crlf=True, bom=True) == "\ufeffa\r\n1\r\n"
    assert csv_text(["a"], [[2]], cell=lambda v: f"<{safe_cell(v)}>") == "a\n<2>\n"


def test_a_queue_report_never_hands_a_spreadsheet_a_formula() -> None:
    # a service or counter named by an administrator like a formula stays text in the file
    row = ReportRow(
        group="=HYPERLINK(\"http://x\")", label="@SUM(A1)", issued=3, served=2, no_show=0,
        transferred=0, voided=0, waiting_now=1, wait_mean_min=-0.5, wait_p90_min=None,
        service_mean_min=4.0, service_p90_min=None, over_target_pct=None, estimate_mae_min=None,
        rating_mean=None, ratings=0,
    )  # fmt: skip
    header, line = csv.reader(io.StringIO(reports.to_csv([row])))
    assert header == list(reports.COLUMNS)
    cells = dict(zip(header, line, strict=True))
    assert cells["group"] == '\'=HYPERLINK("http://x")' and cells["label"] == "'@SUM(A1)"
    assert cells["wait_mean_min"] == "-0.5" and cells["wait_p90_min"] == "" and cells["issued"] == "3"
