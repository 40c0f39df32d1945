"""Classifying decoded payloads: ID card, dossier receipt (configurable pattern), other."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.camera.cccd import IdHasher
from drivers.camera.model import DossierInfo, RejectReason
from drivers.camera.payload import PayloadClassifier, compile_dossier_pattern

CARD = "001099012345|123456789|Nguyễn Văn An|01021999|Nam|Hà Nội|15062021"
CLASSIFY = PayloadClassifier(IdHasher(b"test-key-0123456789abcdef"))


def test_card() -> None:
    result = CLASSIFY.classify(CARD)
    assert result.kind == "cccd" and result.cccd is not None and result.reason == ""


@pytest.mark.parametrize(
    ("payload", "code", "appointment"),
    [
        ("000.00.12.H26-241122-0001", "000.00.12.H26-241122-0001", None),
        ("000.00.12.H26-241122-0001|25/11/2024", "000.00.12.H26-241122-0001", date(2024, 11, 25)),
        ("000.00.12.H26-241122-0001|25112024", "000.00.12.H26-241122-0001", date(2024, 11, 25)),
        ("000.00.12.H26-241122-0001|2024-11-25", "000.00.12.H26-241122-0001", date(2024, 11, 25)),
        (
            "https://dvc.example.vn/tra-cuu?maHoSo=000.00.12.H26-241122-0001",
            "000.00.12.H26-241122-0001",
            None,
        ),
        (
            "https://dvc.example.vn/x?a=1&ma_ho_so=000.00.12.H26-241122-0001",
            "000.00.12.H26-241122-0001",
            None,
        ),
        ("H26.22-240115-00012|15/02/2024", "H26.22-240115-00012", date(2024, 2, 15)),
    ],
)
def test_dossier_default_pattern(payload: str, code: str, appointment: date | None) -> None:
    result = CLASSIFY.classify(payload.encode())
    assert result.kind == "dossier"
    assert result.dossier == DossierInfo(dossier_code=code, appointment=appointment)


def test_dossier_bad_appointment_is_explained() -> None:
    result = CLASSIFY.classify("000.00.12.H26-241122-0001|31/02/2024")
    assert result.kind == "other" and result.reason == RejectReason.BAD_APPOINTMENT


def test_custom_pattern() -> None:
    pattern = r"^HS:(?P<code>[A-Z0-9-]{4,30});HEN:(?P<appointment>\S+)$"
    classify = PayloadClassifier(IdHasher(b"k" * 16), pattern)
    result = classify.classify("HS:ABC-123;HEN:01/12/2026")
    assert result.dossier == DossierInfo("ABC-123", date(2026, 12, 1))
    assert classify.classify("000.00.12.H26-241122-0001").kind == "other"


def test_pattern_without_code_group_refused() -> None:
    with pytest.raises(ValueError, match="code"):
        compile_dossier_pattern(r"HS:(\d+)")


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("https://example.vn/", RejectReason.UNKNOWN),
        ("hello", RejectReason.UNKNOWN),
        ("H26-240115-0001", RejectReason.UNKNOWN),  # no agency code groups
        ("see 000.00.12.H26-241122-0001", RejectReason.UNKNOWN),  # not at the start nor a URL value
        (b"\xff\xfe\x00", RejectReason.NOT_UTF8),
        ("x" * 10_000, RejectReason.TOO_LONG),
        (CARD.replace("01021999", "32131999"), RejectReason.BAD_BIRTH_DATE),
    ],
)
def test_other(payload: str | bytes, reason: RejectReason) -> None:
    result = CLASSIFY.classify(payload)
    assert result.kind == "other" and result.reason == reason
    assert result.cccd is None and result.dossier is None


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(max_size=3000),
        st.binary(max_size=3000),
        st.builds(lambda a, b: f"{a}?maHoSo={b}", st.text(max_size=50), st.text(max_size=50)),
    )
)
def test_classify_never_raises(payload: str | bytes) -> None:
    result = CLASSIFY.classify(payload, today=date(2026, 11, 23))
    assert result.kind in ("cccd", "dossier", "other")
    assert (result.kind == "other") == bool(result.reason)


@pytest.mark.parametrize(
    ("payload", "kind", "code"),
    [
        ("LICHHEN:482913", "appointment", "482913"),
        (" LICHHEN:482913\n", "appointment", "482913"),
        ("LICHHEN:48291", "other", None),  # 5 digits
        ("LICHHEN:4829134", "other", None),
        ("lichhen:482913x", "other", None),
    ],
)
def test_booking_check_in_qr(payload: str, kind: str, code: str | None) -> None:
    result = CLASSIFY.classify(payload.encode())
    assert (result.kind, result.appointment_code) == (kind, code)
