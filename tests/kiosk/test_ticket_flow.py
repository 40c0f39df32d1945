"""Take-a-number flows through real widgets offscreen against the real queueing service."""

from __future__ import annotations

from datetime import date

import pytest
import requests

from drivers.camera.model import ScanResult
from drivers.printer.printer import open_printer
from kiosk.clients.queueing import QueueingClient
from kiosk.services import Services
from tests.kiosk.fakes import ScriptedScanner, card

pytestmark = pytest.mark.kivy


def _services(q, printer=None, scanner=None, printer_error="no printer in this test"):
    return Services(
        queueing=QueueingClient(q.url, token_file=q.token_file, timeout_s=5),
        printer=printer,
        printer_error=printer_error,
        scanner=scanner,
        camera_error="no camera in this test",
    )


def _to_services(h):
    h.tap(h.screen("home").ids.take_btn)
    h.wait(lambda: h.app.current == "services" and h.screen().services, what="service list")


def _state_of(q, ticket_id):
    return requests.get(f"{q.url}/api/v1/tickets/{ticket_id}", timeout=5).json()["state"]


def test_full_flow_prints_and_confirms_then_goes_home(make_harness, queueing_service, tmp_path):
    printer = open_printer(f"png://{tmp_path / 'printer'}")
    h = make_harness(_services(queueing_service, printer=printer))
    h.idle_workers()
    _to_services(h)
    h.tap(h.screen().tile("ho_tich"))
    assert h.app.current == "scan_id"
    assert "Camera" in h.screen().status  # no camera: said plainly, with Skip
    h.tap(h.ids().skip_btn)
    h.wait(lambda: h.app.current == "priority" and h.screen().priorities, what="priority list")
    h.tap(h.ids().none_btn)
    ticket = h.screen("ticket")
    h.wait(lambda: ticket.state == "printed", timeout_s=30, what="ticket printed")
    assert ticket.number.startswith("A")
    assert ticket.ids.number.text == ticket.number
    assert ticket.qr is None
    assert _state_of(queueing_service, ticket.ticket.ticket_id) == "waiting"
    assert list((tmp_path / "printer").glob("*.png")), "the printer simulator wrote no PNG"
    h.app.set_language("en")  # a switch on the ticket screen re-renders its texts
    assert "ahead" in ticket.ahead_text or "Nobody" in ticket.ahead_text
    assert "take your ticket" in ticket.ids.message.text
    h.clock.advance(h.app.cfg.kiosk.ticket_home_after_s + 1)
    h.wait(lambda: h.app.current == "home", what="back home after the ticket")
    assert ticket.number == ""


def test_printer_failure_keeps_number_on_screen_with_qr(make_harness, queueing_service, tmp_path):
    printer = open_printer(f"png://{tmp_path / 'printer'}?status=paper_out")
    h = make_harness(_services(queueing_service, printer=printer), scan_id_enabled=False)
    h.app.set_language("en")
    _to_services(h)
    h.tap(h.screen().tile("ho_tich"))
    h.wait(lambda: h.app.current == "priority" and h.screen().priorities, what="priority list")
    h.tap(h.ids().none_btn)
    ticket = h.screen("ticket")
    h.wait(lambda: ticket.state == "screen", timeout_s=30, what="printer failure shown")
    assert ticket.qr is not None
    assert "printer is not working" in ticket.ids.message.text
    assert _state_of(queueing_service, ticket.ticket.ticket_id) == "waiting"  # delivered on screen
    h.tap(ticket.ids.done_btn)
    assert h.app.current == "home"


def test_no_printer_configured_is_shown_not_faked(make_harness, queueing_service):
    h = make_harness(_services(queueing_service, printer=None), scan_id_enabled=False)
    _to_services(h)
    h.tap(h.screen().tile("ho_tich"))
    h.wait(lambda: h.app.current == "priority" and h.screen().priorities, what="priorities")
    h.tap(h.ids().none_btn)
    ticket = h.screen("ticket")
    h.wait(lambda: ticket.state == "screen", timeout_s=30, what="on-screen ticket")
    assert ticket.print_failure == "no printer in this test"


def test_elderly_card_gets_priority_without_the_question(make_harness, queueing_service, tmp_path):
    scanner = ScriptedScanner([ScanResult(kind="cccd", cccd=card(date(1940, 3, 2)))])
    printer = open_printer(f"png://{tmp_path / 'printer'}")
    h = make_harness(_services(queueing_service, printer=printer, scanner=scanner))
    _to_services(h)
    h.tap(h.screen().tile("ho_tich"))
    scan = h.screen("scan_id")
    h.wait(lambda: scan.card is not None, what="card read")
    # whoever stands behind sees the given name only
    assert "N***** V** Bình" in scan.ids.status.text and "Nguyễn" not in scan.ids.status.text
    assert scan.ids.preview.frames_drawn >= 1
    h.wait(lambda: h.app.current == "ticket", what="auto-continue to the ticket")
    ticket = h.screen("ticket")
    h.wait(lambda: ticket.state == "printed", timeout_s=30, what="printed")
    assert ticket.request["priority"] == "elderly"
    assert ticket.priority_text
    assert scanner.stopped >= 1


def test_not_an_id_card_is_explained_and_skip_works(make_harness, queueing_service):
    scanner = ScriptedScanner([ScanResult(kind="other", reason="not a CCCD")])
    h = make_harness(_services(queueing_service, scanner=scanner))
    _to_services(h)
    h.tap(h.screen().tile("ho_tich"))
    scan = h.screen("scan_id")
    h.wait(lambda: scan.status_kind == "error", what="not-an-ID message")
    assert "căn cước" in scan.ids.status.text
    h.tap(scan.ids.skip_btn)
    h.wait(lambda: h.app.current == "priority", what="priority after skip")


def test_cap_reached_while_choosing_says_so(make_harness, queueing_service):
    h = make_harness(_services(queueing_service), scan_id_enabled=False)
    _to_services(h)
    services = h.screen()
    # another kiosk takes the last number of "dat_dai" (cap 1) while this citizen reads the list
    requests.post(
        f"{queueing_service.url}/api/v1/tickets",
        json={"service": "dat_dai", "channel": "remote"},
        headers={"Idempotency-Key": "other-kiosk"},
        timeout=5,
    )
    h.tap(services.tile("dat_dai"))
    h.wait(lambda: h.app.current == "priority" and h.screen().priorities, what="priorities")
    h.tap(h.ids().none_btn)
    ticket = h.screen("ticket")
    h.wait(lambda: ticket.state == "error", what="cap error")
    assert ticket.error_code == "cap_reached"
    assert "hết số" in ticket.ids.message.text
    assert ticket.ids.retry_btn.opacity == 0 and ticket.ids.other_btn.opacity == 1
    h.tap(ticket.ids.other_btn)
    h.wait(lambda: h.app.current == "services" and h.screen().services, what="back to the service list")
    assert h.screen().tile("dat_dai").disabled  # the list now says the cap is reached


def test_closed_service_tile_is_disabled_and_says_why(make_harness, queueing_service):
    h = make_harness(_services(queueing_service))
    _to_services(h)
    tile = h.screen().tile("kinh_doanh")
    assert tile.disabled
    assert "Đã đóng" in tile.text
    h.tap(tile)
    assert h.app.current == "services"


def test_search_filters_without_accents(make_harness, queueing_service):
    h = make_harness(_services(queueing_service), search_min_services=2)
    _to_services(h)
    scr = h.screen()
    assert scr.searchable
    scr.ids.search.text = "ho tich"
    h.pump(2)
    codes = [getattr(c, "entry_code", None) for c in scr.ids.grid.children]
    assert [c for c in codes if c] == ["ho_tich"]
    scr.ids.search.text = "zzz"
    h.pump(2)
    assert "zzz" in scr.message


def test_idle_timeout_goes_home_and_clears_search(make_harness, queueing_service):
    h = make_harness(_services(queueing_service), search_min_services=2)
    _to_services(h)
    h.screen().ids.search.text = "dat"
    h.clock.advance(h.app.cfg.kiosk.idle_timeout_s + 1)
    h.wait(lambda: h.app.current == "home", what="idle timeout")
    assert h.screen("services").ids.search.text == ""


class _RecordingClient(QueueingClient):
    """The real client, remembering the tickets it was given (to check them on the server)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.issued = []

    def take_ticket(self, *a, **kw):
        t = super().take_ticket(*a, **kw)
        self.issued.append(t)
        return t


def test_citizen_gone_before_the_number_arrives_leaves_no_ghost_ticket(make_harness, queueing_service):
    client = _RecordingClient(queueing_service.url, token_file=queueing_service.token_file, timeout_s=5)
    h = make_harness(Services(queueing=client, printer=None, printer_error="none"), scan_id_enabled=False)
    _to_services(h)
    service = next(s for s in h.screen().services if s.code == "ho_tich")
    h.app.go("ticket", service=service, priority=None)
    h.app.go_home()  # idle timeout / reset while the request is in flight
    h.wait(lambda: client.issued, what="ticket issued")
    h.idle_workers()
    assert _state_of(queueing_service, client.issued[0].ticket_id) == "void"
    assert h.screen("ticket").number == ""


def test_a_young_card_is_not_offered_the_elderly_priority(make_harness, queueing_service):
    scanner = ScriptedScanner([ScanResult(kind="cccd", cccd=card(date(2004, 6, 1)))])
    h = make_harness(_services(queueing_service, scanner=scanner))
    _to_services(h)
    h.tap(h.screen().tile("ho_tich"))
    h.wait(lambda: h.app.current == "priority" and h.screen().priorities, what="priority list")
    codes = [p.code for p in h.screen().priorities]
    assert "elderly" not in codes and codes  # the card says 21: only the other classes are offered
    h.app.go_home()
    _to_services(h)  # without a card the question is asked in full
    h.tap(h.screen().tile("ho_tich"))
    h.tap(h.ids().skip_btn)
    h.wait(lambda: h.app.current == "priority" and h.screen().priorities, what="priority list")
    assert "elderly" in [p.code for p in h.screen().priorities]


def test_home_left_in_english_goes_back_to_vietnamese_when_idle(make_harness, queueing_service):
    h = make_harness(_services(queueing_service))
    assert h.app.lang == "vi"
    h.app.toggle_language()  # a citizen chose English, then walked away from home
    h.pump(2)
    h.clock.advance(h.app.cfg.kiosk.idle_timeout_s - 1)
    h.pump(2)
    assert h.app.lang == "en"  # not yet: someone may still be reading
    h.clock.advance(2)
    h.wait(lambda: h.app.lang == "vi", what="default language after idle on home")
    assert "Lấy số" in h.screen("home").ids.take_btn.text
