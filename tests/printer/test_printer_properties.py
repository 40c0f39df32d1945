"""Property tests: wrapping never overflows or loses text; any reply byte decodes without error."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.printer.decode import parse
from drivers.printer.fonts import FontSet
from drivers.printer.model import PrinterState
from drivers.printer.render import wrap
from drivers.printer.status import decode_offline_cause, decode_paper, decode_printer

FONT = FontSet().get(22)
VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
words = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + "0123456789-./:", min_size=1, max_size=40)


@settings(max_examples=60, deadline=None)
@given(st.lists(words, min_size=1, max_size=12), st.integers(min_value=60, max_value=560))
def test_wrap_fits_and_keeps_every_character(text_words: list[str], width: int) -> None:
    text = " ".join(text_words)
    lines = wrap(text, FONT, width)
    for line in lines:
        assert FONT.getlength(line) <= width or len(line) == 1  # a single glyph wider than the line
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")


@given(st.binary(max_size=2))
def test_status_decoders_accept_any_reply(reply: bytes) -> None:
    assert decode_printer(reply) in (True, False, None)
    assert decode_offline_cause(reply) in (*PrinterState, None)
    assert decode_paper(reply) in (*PrinterState, None)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=64))
def test_decoder_never_crashes_on_garbage(data: bytes) -> None:
    try:
        parse(data)
    except ValueError:
        pass  # DecodeError: unknown or cut-short command, named with its offset
