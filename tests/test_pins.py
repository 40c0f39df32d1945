"""common.pins: the one slow PIN hash both services use."""

from common.pins import check_pin, hash_pin, is_pin_hash


def test_round_trip_and_salt() -> None:
    a, b = hash_pin("482915"), hash_pin("482915")
    assert a != b  # salted
    assert is_pin_hash(a)
    assert check_pin("482915", a)
    assert not check_pin("482916", a)


def test_garbage_and_missing_never_match() -> None:
    for stored in (None, "", "plain", "scrypt$zz$zz", "scrypt$00$", "md5$00$00"):
        assert not check_pin("482915", stored)
    assert not is_pin_hash("1111")
