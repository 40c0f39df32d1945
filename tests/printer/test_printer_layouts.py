"""Layouts: every element appears, in both languages, NFC-normalised; text fits the paper."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from PIL import ImageOps

from drivers.printer.elements import BigNumber, Field, QrCode, Text
from drivers.printer.fonts import FontSet
from drivers.printer.layouts import (
    format_time,
    format_wait,
    loading_slip_document,
    pickup_receipt_document,
    ticket_document,
)
from drivers.printer.render import MARGIN_DOTS, WIDTH_DOTS, Renderer, wrap
from drivers.printer.samples import sample_loading_slip, sample_pickup_receipt, sample_ticket
from drivers.printer.strings import STRINGS


def _joined(doc_texts: list[str]) -> str:
    return "\n".join(doc_texts)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_ticket_has_every_element(lang: str) -> None:
    t = sample_ticket(lang)
    doc = ticket_document(t)
    text = _joined(doc.texts())
    s = STRINGS[lang]
    for expected in (
        t.center_name,
        t.service_name,
        s["ticket_title"],
        s["ahead"],
        s["wait"],
        s["issued_at"],
        s["ticket_qr"],
        s["ticket_guidance"],
        "7",
        "15–25",
        "09:41 23/11/2026",
        t.priority_label or "",
    ):
        assert expected in text, expected
    assert [e.text for e in doc.elements if isinstance(e, BigNumber)] == ["B012"]
    assert doc.qr_payloads() == [t.status_url]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_pickup_receipt_has_every_element(lang: str) -> None:
    r = sample_pickup_receipt(lang)
    doc = pickup_receipt_document(r)
    fields = {e.label: e.value for e in doc.elements if isinstance(e, Field)}
    s = STRINGS[lang]
    assert fields == {
        s["dossier"]: r.dossier_code,
        s["compartment"]: "A07",
        s["collected_at"]: "09:41 23/11/2026",
        s["recipient"]: r.citizen_name_masked,
    }
    assert s["receipt_title"] in doc.texts()
    assert doc.qr_payloads() == [r.verify_url]


def test_pickup_receipt_says_when_the_authorised_person_collected() -> None:
    doc = pickup_receipt_document(
        replace(sample_pickup_receipt("en"), collected_by="authorised", collector_masked="********6789")
    )
    fields = {e.label: e.value for e in doc.elements if isinstance(e, Field)}
    assert fields[STRINGS["en"]["authorised"]] == "********6789"
    citizen = pickup_receipt_document(replace(sample_pickup_receipt("en"), collected_by="citizen"))
    assert STRINGS["en"]["authorised"] not in citizen.texts()


def test_pickup_receipt_without_a_name_has_no_recipient_line() -> None:
    doc = pickup_receipt_document(replace(sample_pickup_receipt(), citizen_name_masked=None))
    assert STRINGS["vi"]["recipient"] not in doc.texts()


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_loading_slip_has_every_element(lang: str) -> None:
    d = sample_loading_slip(lang)
    doc = loading_slip_document(d)
    fields = {e.label: e.value for e in doc.elements if isinstance(e, Field)}
    s = STRINGS[lang]
    assert fields == {
        s["dossier"]: d.dossier_code,
        s["compartment"]: "A07",
        s["staff"]: "cb.nguyenvanb",
        s["loaded_at"]: "09:41 23/11/2026",
        s["expires_at"]: "09:41 30/11/2026",
    }
    assert s["slip_title"] in doc.texts() and s["slip_signature"] in doc.texts()
    assert doc.qr_payloads() == []


def test_ticket_without_priority_or_estimate() -> None:
    t = replace(sample_ticket(), priority_label=None, wait_min=None, wait_max=None, guidance="Mời lên tầng 2")
    doc = ticket_document(t)
    text = _joined(doc.texts())
    assert STRINGS["vi"]["priority"] not in text
    assert STRINGS["vi"]["wait_unknown"] in text
    assert "Mời lên tầng 2" in text and STRINGS["vi"]["ticket_guidance"] not in text


def test_decomposed_vietnamese_is_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "Cấp đổi căn cước")
    assert decomposed != "Cấp đổi căn cước"
    doc = ticket_document(replace(sample_ticket(), service_name=decomposed))
    assert "Cấp đổi căn cước" in doc.texts()
    assert all(unicodedata.is_normalized("NFC", s) for s in doc.texts())


def test_unknown_language_falls_back_to_vietnamese(caplog: pytest.LogCaptureFixture) -> None:
    doc = ticket_document(replace(sample_ticket(), language="fr"))
    assert STRINGS["vi"]["ticket_title"] in doc.texts()
    assert "fr" in caplog.text


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (None, None, "chưa đủ dữ liệu để ước tính"),
        (10, 20, "10–20 phút"),
        (20, 10, "10–20 phút"),
        (5, 5, "khoảng 5 phút"),
        (0, 0, "sắp đến lượt"),
        (None, 12, "khoảng 12 phút"),
        (-3, 4, "0–4 phút"),
    ],
)
def test_wait_text(lo: int | None, hi: int | None, expected: str) -> None:
    assert format_wait(lo, hi, STRINGS["vi"]) == expected


def test_wrap_respects_width_and_breaks_long_words() -> None:
    font = FontSet().get(22)
    lines = wrap("Đăng ký thường trú " + "x" * 80, font, 300)
    assert len(lines) > 2
    assert all(font.getlength(line) <= 300 for line in lines)
    assert "".join(lines).replace(" ", "") == ("Đăng ký thường trú " + "x" * 80).replace(" ", "")


@pytest.mark.parametrize("width_mm", [58, 80])
def test_long_values_stay_on_paper(width_mm: int) -> None:
    """A long service name, a long number and a long URL wrap or shrink instead of overflowing."""
    t = replace(
        sample_ticket(),
        number="TT-2026-00012",
        service_name="Chứng thực bản sao từ bản chính, chữ ký và hợp đồng giao dịch "
        "liên quan đến bất động sản",
        status_url="http://192.0.2.10:8080/t/" + "a" * 150,
        center_name="Trung tâm Phục vụ hành chính công thành phố trực thuộc trung ương (cơ sở số 2)",
    )
    width = WIDTH_DOTS[width_mm]
    rendered = Renderer(FontSet(), width).render(ticket_document(t))
    img = rendered.to_image()
    assert img.width == width
    # nothing drawn in the margins (the renderer keeps MARGIN_DOTS on each side): no clipped text
    for box in ((0, 0, MARGIN_DOTS, img.height), (width - MARGIN_DOTS, 0, width, img.height)):
        assert ImageOps.invert(img.crop(box).convert("L")).getbbox() is None, f"ink in margin {box}"


def test_text_elements_are_plain_data() -> None:
    doc = ticket_document(sample_ticket())
    assert any(isinstance(e, Text) and e.inverted for e in doc.elements)
    assert sum(isinstance(e, QrCode) for e in doc.elements) == 1
    assert isinstance(sample_ticket().issued_at, datetime)


def test_times_are_printed_in_the_center_time_zone() -> None:
    from datetime import UTC
    from zoneinfo import ZoneInfo

    utc = datetime(2026, 11, 23, 2, 41, tzinfo=UTC)
    hcm = ZoneInfo("Asia/Ho_Chi_Minh")
    assert format_time(utc, hcm) == "09:41 23/11/2026"
    assert format_time(datetime(2026, 11, 23, 9, 41), hcm) == "09:41 23/11/2026"  # naive: already local
    doc = ticket_document(replace(sample_ticket(), issued_at=utc), tz=hcm)
    assert "09:41 23/11/2026" in doc.texts()


def test_printer_converts_times(tmp_path: Path) -> None:
    from datetime import UTC

    from drivers.printer.printer import open_printer

    with open_printer("dummy://", timezone="Asia/Ho_Chi_Minh") as p:
        assert p.tz is not None
        assert format_time(datetime(2026, 1, 1, 17, 0, tzinfo=UTC), p.tz) == "00:00 02/01/2026"


@pytest.mark.parametrize("width_mm", [58, 80])
def test_a_very_long_number_wraps_instead_of_overflowing(width_mm: int) -> None:
    width = WIDTH_DOTS[width_mm]
    doc = ticket_document(replace(sample_ticket(), number="QUẦY-CHỨNG-THỰC-000000012345"))
    img = Renderer(FontSet(), width).render(doc).to_image()
    for box in ((0, 0, MARGIN_DOTS, img.height), (width - MARGIN_DOTS, 0, width, img.height)):
        assert ImageOps.invert(img.crop(box).convert("L")).getbbox() is None


def test_status_reports_carry_advice_for_staff() -> None:
    from drivers.printer.model import PrinterState
    from drivers.printer.status import StatusReport

    for state in PrinterState:
        assert StatusReport(state, "x").advice
    assert "paper" in StatusReport(PrinterState.PAPER_OUT, "x").advice


def test_no_url_means_no_qr_and_no_caption() -> None:
    doc = ticket_document(replace(sample_ticket(), status_url="  "))
    assert doc.qr_payloads() == [] and STRINGS["vi"]["ticket_qr"] not in doc.texts()
    doc = pickup_receipt_document(replace(sample_pickup_receipt(), verify_url=""))
    assert doc.qr_payloads() == [] and STRINGS["vi"]["receipt_qr"] not in doc.texts()


def test_characters_the_font_lacks_become_question_marks(caplog: pytest.LogCaptureFixture) -> None:
    fonts = FontSet()
    assert fonts.can_draw("ệ") and fonts.can_draw("Ự") and fonts.can_draw("–") and fonts.can_draw(" ")
    assert not fonts.can_draw("😀") and not fonts.can_draw("中") and not fonts.can_draw("\x07")
    assert fonts.printable("Cấp đổi 😀 căn cước", "test") == "Cấp đổi ? căn cước"
    assert "U+1F600" in caplog.text and "căn cước" not in caplog.text  # code points, never the text


def test_a_ticket_with_unprintable_characters_still_prints(caplog: pytest.LogCaptureFixture) -> None:
    from drivers.printer.printer import open_printer

    with open_printer("dummy://", paper_width_mm=58) as p:
        p.print_ticket(replace(sample_ticket(), service_name="Hộ tịch ★ 戸籍", priority_label="≥ 80 tuổi"))
        assert len(p.transport.jobs) == 1  # type: ignore[attr-defined]
    assert "U+2605" in caplog.text and "U+2265" in caplog.text
