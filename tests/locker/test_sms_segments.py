"""Every locker SMS is one segment: GSM-7 only (no diacritics, the center name included) and at
most 160 septets with the longest center name, dossier code, label, code and date the
configuration allows (issue 13, item 5). Counted by an encoder of this test's own."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from common import sms_text
from common.config import ConfigError
from locker.config import LockerConfig, load_locker_config
from tests.harness import wait_until
from tests.locker.conftest import Harness, make_config

# GSM 03.38: the default alphabet (one septet) and the escaped extension (two septets)
BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
EXTENDED = "^{}\\[~]|€\f"


def gsm7_septets(text: str) -> list[int]:
    """Encode `text` as GSM-7 septet values; ValueError at the first character it cannot hold."""
    out: list[int] = []
    for ch in text:
        if ch in BASIC:
            out.append(BASIC.index(ch) + (1 if BASIC.index(ch) >= BASIC.index("Æ") else 0))
        elif ch in EXTENDED:
            out += [0x1B, ord(ch) & 0x7F]
        else:
            raise ValueError(f"{ch!r} is not GSM-7")
    return out


def segments(text: str) -> int:
    try:
        n = len(gsm7_septets(text))
    except ValueError:
        return 1 if len(text) <= 70 else -(-len(text) // 67)  # UCS-2 (BMP text)
    return 1 if n <= 160 else -(-n // 153)


def test_the_counter() -> None:
    assert segments("a" * 160) == 1 and segments("a" * 161) == 2 and segments("[" * 80) == 1
    assert segments("â" + "a" * 69) == 1 and segments("â" + "a" * 153) == 3  # one letter: UCS-2


LONG_CENTER = "Trung tâm Phục vụ hành chính công (mô phỏng)"  # the embedded default, 44 letters


def test_the_longest_code_sms_is_one_gsm7_segment(make_harness: Callable[..., Harness]) -> None:
    h = make_harness(codes={"length_digits": 10}, center_name=LONG_CENTER, hotline="1900 0000")
    token = h.sign_in("loader1")
    dossier = "HS-2026-" + "9" * 22  # sms.dossier_max_chars = 30
    _, code = h.load(token, dossier, phone="0900000009")
    (msg,) = [m for m in h.sms() if code in m["text"]]
    text = msg["text"]
    assert "Trung tam Phuc vu hanh chinh cong (mo phong)" in text and dossier in text
    assert segments(text) == 1, (len(text), text)
    # a longer dossier code is shortened, never a second SMS
    long_dossier = "000.00.12.H29-" + "1" * 40 + "-0001"
    r = h.req("POST", "/api/v1/deposits", token, json={"dossier_code": long_dossier, "phone": "0900000009"})
    dep = r.json()
    h.set_item(dep["compartment"], True)
    h.set_door(dep["compartment"], False)
    assert h.req("POST", f"/api/v1/deposits/{dep['deposit_id']}/confirm", token).status_code == 200
    msg2 = wait_until(lambda: next((m for m in h.sms() if "...1111" in m["text"]), None), 5, "the SMS")
    assert segments(msg2["text"]) == 1 and msg2["text"].count("-0001") == 1


@pytest.mark.parametrize(
    "name", ["template", "reminder_template", "expired_template", "withdrawn_template", "counter_template"]
)
def test_every_template_at_its_longest_is_one_segment(name: str) -> None:
    cfg = make_config(codes={"length_digits": 10}, center_name=LONG_CENTER)
    labels = ["ABCDEFGH"]  # the longest label a compartment may have (8)
    text = sms_text.longest_text(
        getattr(cfg.sms, name),
        center=cfg.sms_center_name(),
        hotline=cfg.hotline,
        labels=labels,
        code_digits=10,
        dossier_max_chars=cfg.sms.dossier_max_chars,
    )
    assert segments(text) == 1, (len(text), text)
    assert sms_text.segments(text) == 1


def test_folding_to_gsm7() -> None:
    text = sms_text.to_gsm7("Đà Nẵng – “Ủy ban” phường Bến Thành")
    assert text == 'Da Nang - "Uy ban" phuong Ben Thanh'
    gsm7_septets(text)
    assert sms_text.to_gsm7("中") == "?"


def test_a_text_that_cannot_fit_fails_at_start_naming_the_key(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="sms.template"):
        make_config(center_name="Trung tâm " + "rất " * 30)
    site = tmp_path / "site.toml"
    site.write_text('[locker]\ncenter_name = "' + "Trung tâm rất dài " * 6 + '"\n')
    with pytest.raises(ConfigError, match=r"sms\.center_name"):
        load_locker_config(site)
    site.write_text(
        '[locker]\ncenter_name = "' + "Trung tâm rất dài " * 6 + '"\n[locker.sms]\ncenter_name = "TT PVHCC"\n'
    )
    assert load_locker_config(site).sms_center_name() == "TT PVHCC"
    with pytest.raises(ValueError, match="placeholder"):
        LockerConfig.model_validate({"sms": {"template": "{center} {nope}"}})


@pytest.mark.parametrize(
    ("name", "placeholder"),
    [("reminder_template", "code"), ("withdrawn_template", "code"), ("counter_template", "compartment")],
)
def test_a_placeholder_the_message_cannot_fill_is_refused_at_start(name: str, placeholder: str) -> None:
    with pytest.raises(ValueError, match=f"sms.{name}: {{{placeholder}}} cannot be used"):
        make_config(sms={name: "{center}: ho so {dossier} {" + placeholder + "}"})
