"""Invented sample data for test prints, tests and benchmarks. No real person or dossier."""

from __future__ import annotations

from datetime import datetime, timedelta

from drivers.printer.model import LoadingSlipData, PickupReceiptData, TicketData
from drivers.printer.strings import strings_for

SAMPLE_TIME = datetime(2026, 11, 23, 9, 41)


def sample_ticket(language: str = "vi") -> TicketData:
    """A ticket with a priority label and a wait range."""
    vi = language == "vi"
    return TicketData(
        center_name=strings_for(language)["sample_center"],
        number="B012",
        service_name="Đăng ký hộ tịch, khai sinh, kết hôn"
        if vi
        else "Civil status: birth and marriage registration",
        issued_at=SAMPLE_TIME,
        ahead=7,
        wait_min=15,
        wait_max=25,
        status_url="http://192.0.2.10:8080/t/2026-11-23/B012?k=3f9a1c",
        priority_label="Người cao tuổi" if vi else "Senior citizen",
        language=language,
    )


def sample_pickup_receipt(language: str = "vi") -> PickupReceiptData:
    """A receipt with a masked name."""
    return PickupReceiptData(
        center_name=strings_for(language)["sample_center"],
        dossier_code="000.00.12.H99-261123-0042",
        compartment="A07",
        collected_at=SAMPLE_TIME,
        citizen_name_masked="Ng**** Th* Ánh",
        verify_url="http://192.0.2.10:8081/r/7c2e5a0b91d4",
        language=language,
    )


def sample_loading_slip(language: str = "vi") -> LoadingSlipData:
    """A slip with an expiry date."""
    return LoadingSlipData(
        center_name=strings_for(language)["sample_center"],
        dossier_code="000.00.12.H99-261123-0042",
        compartment="A07",
        staff_id="cb.nguyenvanb",
        loaded_at=SAMPLE_TIME,
        expires_at=SAMPLE_TIME + timedelta(days=7),
        language=language,
    )
