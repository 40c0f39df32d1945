"""ID card payload parsing: formats, edge cases, and no exception on any input (hypothesis)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.camera.cccd import PROVINCE_CODES, IdHasher, NotCccd, mask_id, parse_cccd
from drivers.camera.model import CccdInfo, RejectReason

HASHER = IdHasher(b"test-key-0123456789abcdef")
TODAY = date(2026, 11, 23)
# Invented people only.
OLD = "001099012345|123456789|Nguyễn Văn An|01021999|Nam|Số 1 Đường Mẫu, Phường Thử, Hà Nội|15062021"
NEW = "079305001234||Trần Thị Bình|31122005|Nữ|12 Ấp Minh Họa, Xã Ví Dụ, Cần Thơ|02082024||||"


def ok(payload: str | bytes) -> CccdInfo:
    result = parse_cccd(payload, HASHER, today=TODAY)
    assert isinstance(result, CccdInfo), result
    return result


def rejected(payload: str | bytes) -> RejectReason:
    result = parse_cccd(payload, HASHER, today=TODAY)
    assert isinstance(result, NotCccd), result
    return result.reason


def test_old_format_with_old_id() -> None:
    info = ok(OLD)
    assert info.id_number == "001099012345"
    assert info.id_masked == "0010******45"
    assert info.full_name == "Nguyễn Văn An"
    assert info.birth_date == date(1999, 2, 1)
    assert info.gender == "Nam"
    assert info.issue_date == date(2021, 6, 15)
    assert info.old_id_present


def test_new_format_eleven_fields_and_missing_old_id() -> None:
    info = ok(NEW)
    assert info.gender == "Nữ"
    assert info.birth_date == date(2005, 12, 31)
    assert not info.old_id_present


def test_utf8_bytes_accepted_and_extra_fields_ignored() -> None:
    assert ok((OLD + "|extra|more").encode("utf-8")).id_number == "001099012345"


def test_hash_is_keyed_and_stable() -> None:
    a = ok(OLD).id_hash
    assert a == ok(OLD).id_hash and len(a) == 64
    other = parse_cccd(OLD, IdHasher(b"another-key-0123456789"), today=TODAY)
    assert isinstance(other, CccdInfo) and other.id_hash != a
    assert "001099012345" not in a


def test_repr_does_not_leak_personal_fields() -> None:
    text = repr(ok(OLD))
    assert "001099012345" not in text and "Nguyễn" not in text and "0010******45" in text
    assert "key" not in repr(HASHER).replace("<key hidden>", "")


def test_name_whitespace_normalised_and_decomposed_unicode_composed() -> None:
    decomposed = OLD.replace("Nguyễn", "Nguye\u0302\u0303n").replace("Văn An", "Văn   An ")
    assert ok(decomposed).full_name == "Nguyễn Văn An"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("", RejectReason.NOT_CCCD),
        ("https://example.vn/x", RejectReason.NOT_CCCD),
        ("001099012345|123456789|Nguyễn Văn An|01021999|Nam|Hà Nội", RejectReason.NOT_CCCD),  # 6 fields
        (OLD.replace("001099012345", "00109901234"), RejectReason.BAD_ID_NUMBER),  # 11 digits
        (OLD.replace("001099012345", "0010990123456"), RejectReason.BAD_ID_NUMBER),  # 13 digits
        (OLD.replace("001099012345", "00109901234A"), RejectReason.BAD_ID_NUMBER),
        (OLD.replace("001099012345", "٠٠١٠٩٩٠١٢٣٤٥"), RejectReason.BAD_ID_NUMBER),  # Arabic-Indic digits
        (OLD.replace("001099012345", "003099012345"), RejectReason.BAD_PROVINCE_CODE),
        (OLD.replace("001099012345", "099099012345"), RejectReason.BAD_PROVINCE_CODE),
        (OLD.replace("123456789", "12345678"), RejectReason.BAD_OLD_ID),
        (OLD.replace("Nguyễn Văn An", "  "), RejectReason.BAD_NAME),
        (OLD.replace("01021999", "30021999"), RejectReason.BAD_BIRTH_DATE),  # 30 February
        (OLD.replace("01021999", "1999-02-01"), RejectReason.BAD_BIRTH_DATE),
        (OLD.replace("01021999", "01021899"), RejectReason.BAD_BIRTH_DATE),
        (OLD.replace("01021999", "01012030"), RejectReason.BAD_BIRTH_DATE),  # future
        (OLD.replace("|Nam|", "|Male|"), RejectReason.BAD_GENDER),
        (OLD.replace("15062021", "31042021"), RejectReason.BAD_ISSUE_DATE),  # 31 April
        (OLD.replace("15062021", "01011990"), RejectReason.BAD_ISSUE_DATE),  # before birth
        (OLD.replace("15062021", "01012027"), RejectReason.BAD_ISSUE_DATE),  # future
        (OLD.replace("Nguyễn", "Ngu\x00yễn"), RejectReason.NOT_CCCD),
    ],
)
def test_rejections(payload: str, reason: RejectReason) -> None:
    assert rejected(payload) == reason


def test_non_utf8_bytes() -> None:
    assert rejected(OLD.encode("utf-16")) == RejectReason.NOT_UTF8
    assert rejected(OLD.encode("cp1258", errors="replace")) == RejectReason.NOT_UTF8


def test_ten_thousand_characters() -> None:
    assert rejected(OLD + "|" + "x" * 10_000) == RejectReason.TOO_LONG
    assert rejected(("|" * 10_000).encode()) == RejectReason.TOO_LONG


def test_twelve_digit_old_id_accepted() -> None:
    # Some people held a 12-digit ID before the chip card; refusing them would send them to typing.
    assert ok(OLD.replace("123456789", "001099000111")).old_id_present


def test_mask() -> None:
    assert mask_id("001099012345") == "0010******45"
    assert mask_id("123") == "***"


def test_short_key_refused() -> None:
    with pytest.raises(ValueError, match="16 bytes"):
        IdHasher(b"short")


digits = st.text(alphabet="0123456789", min_size=0, max_size=14)
field = st.text(max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=12_000), st.binary(max_size=12_000)))
def test_never_raises_on_anything(payload: str | bytes) -> None:
    result = parse_cccd(payload, HASHER, today=TODAY)
    assert isinstance(result, (CccdInfo, NotCccd))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(digits, field), min_size=0, max_size=14))
def test_never_raises_on_field_lists(fields: list[str]) -> None:
    result = parse_cccd("|".join(fields), HASHER, today=TODAY)
    assert isinstance(result, (CccdInfo, NotCccd))


@settings(max_examples=200, deadline=None)
@given(
    province=st.sampled_from(sorted(PROVINCE_CODES)),
    rest=st.text(alphabet="0123456789", min_size=9, max_size=9),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 12, 31)),
    issue_days=st.integers(min_value=0, max_value=2000),
    old=st.one_of(st.just(""), st.text(alphabet="0123456789", min_size=9, max_size=9)),
    new_format=st.booleans(),
    female=st.booleans(),
)
def test_valid_cards_round_trip(
    province: str, rest: str, birth: date, issue_days: int, old: str, new_format: bool, female: bool
) -> None:
    issue = min(TODAY, date.fromordinal(birth.toordinal() + issue_days))
    fields = [
        province + rest,
        old,
        "Lê Thị Mẫu",
        birth.strftime("%d%m%Y"),
        "Nữ" if female else "Nam",
        "Địa chỉ mẫu",
        issue.strftime("%d%m%Y"),
    ] + ([""] * 4 if new_format else [])
    info = ok("|".join(fields).encode("utf-8"))
    assert info.id_number == province + rest
    assert info.birth_date == birth and info.issue_date == issue
    assert info.id_masked[:4] == province + rest[0] and info.id_masked.count("*") == 6
