"""Staff sign-in cards (`STAFF:<staff_id>` by default; configurable pattern)."""

from __future__ import annotations

import pytest

from common.config import ConfigError, validate
from drivers.camera.cccd import IdHasher
from drivers.camera.config import CameraConfig
from drivers.camera.model import StaffCardInfo
from drivers.camera.payload import PayloadClassifier, compile_staff_card_pattern

CLASSIFY = PayloadClassifier(IdHasher(b"test-key-0123456789abcdef"))
CARD = "001099012345|123456789|Nguyễn Văn An|01021999|Nam|Hà Nội|15062021"


@pytest.mark.parametrize("payload", ["STAFF:nv-loan", b"STAFF:nv-loan", "  STAFF:nv-loan\n"])
def test_staff_card(payload: str | bytes) -> None:
    result = CLASSIFY.classify(payload)
    assert result.kind == "staff" and result.staff == StaffCardInfo("nv-loan")
    assert result.cccd is None and result.dossier is None


@pytest.mark.parametrize(
    "payload",
    [
        "STAFF:",  # no ID
        "STAFF:nv loan",  # space: no such staff ID
        "STAFF:" + "a" * 33,  # longer than the locker allows
        "STAFF:nv-loan|123456",  # a card must never carry a PIN: refused, not half-read
        "staff:nv-loan",  # exact prefix
        "xSTAFF:nv-loan",
    ],
)
def test_not_staff_card(payload: str) -> None:
    assert CLASSIFY.classify(payload).kind == "other"


def test_citizen_card_and_dossier_stay_what_they_are() -> None:
    assert CLASSIFY.classify(CARD).kind == "cccd"
    assert CLASSIFY.classify("000.00.12.H26-241122-0001").kind == "dossier"


def test_custom_staff_pattern() -> None:
    classify = PayloadClassifier(IdHasher(b"k" * 16), staff_card_pattern=r"NV#(?P<staff_id>[0-9]{4})")
    assert classify.classify("NV#0042").staff == StaffCardInfo("0042")
    assert classify.classify("STAFF:nv-loan").kind == "other"


def test_pattern_without_group_refused() -> None:
    with pytest.raises(ValueError, match="staff_id"):
        compile_staff_card_pattern(r"STAFF:(\w+)")
    with pytest.raises(ConfigError, match="staff_card_pattern"):
        validate(CameraConfig, {"staff_card_pattern": "STAFF:(\\w+)"}, "camera")
