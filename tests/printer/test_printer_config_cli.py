"""The [printer] config section and the installer's command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import ConfigError, load_raw
from drivers.printer.__main__ import main
from drivers.printer.config import PrinterConfig, load_printer_config
from drivers.printer.encode import CutMode
from drivers.printer.printer import open_from_config


def test_default_config_is_the_png_simulator() -> None:
    cfg = load_printer_config(load_raw())
    assert cfg.url == "png://var/printer"
    assert cfg.paper_width_mm == 80
    assert cfg.require_status and cfg.qr_native and cfg.cut is CutMode.PARTIAL
    assert cfg.logo() is None
    assert (cfg.fonts() / "NotoSans-Regular.ttf").is_file()


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({"paper_width_mm": 76}, "printer.paper_width_mm"),
        ({"url": "lpt1"}, "printer.url"),
        ({"print_timeout_s": -1}, "printer.print_timeout_s"),
        ({"papr_width_mm": 58}, "printer.papr_width_mm"),
        ({"cut": "half"}, "printer.cut"),
        ({"timezone": "Mars/Olympus"}, "printer.timezone"),
    ],
)
def test_bad_config_names_the_key(raw: dict[str, object], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_printer_config({"printer": raw})


def test_open_from_config(tmp_path: Path) -> None:
    cfg = PrinterConfig(url=f"png://{tmp_path}", paper_width_mm=58)
    with open_from_config(cfg) as p:
        assert p.renderer.width == 384
        assert p.status().can_print


def test_samples_command_prints_every_layout_in_both_languages(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["samples", "--printer", f"png://{tmp_path}", "--width", "58"]) == 0
    names = sorted(p.name.split("-", 2)[2] for p in tmp_path.glob("*.png"))
    assert len(names) == 6 and len(list(tmp_path.glob("*.bin"))) == 6
    for kind in ("ticket", "pickup_receipt", "loading_slip"):
        assert sum(n.startswith(kind) for n in names) == 2
    assert "ready" in capsys.readouterr().out


def test_samples_command_reports_paper_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "STATUS").write_text("paper_out")
    assert main(["samples", "--printer", f"png://{tmp_path}", "--language", "en"]) == 1
    out = capsys.readouterr().out
    assert "paper_out" in out and "FAILED ticket" in out
    assert list(tmp_path.glob("*.png")) == []


def test_status_command(tmp_path: Path) -> None:
    assert main(["status", "--printer", f"png://{tmp_path}"]) == 0
    assert main(["status", "--printer", "dummy://?status=cover_open"]) == 1


def test_bad_url_on_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["status", "--printer", "lpt1"]) == 2
    assert "printer.url" in capsys.readouterr().err


def test_view_command_redraws_a_saved_job(tmp_path: Path) -> None:
    assert main(["samples", "--printer", f"png://{tmp_path}", "--language", "vi"]) == 0
    job = next(tmp_path.glob("*-ticket-*.bin"))
    out = tmp_path / "redrawn.png"
    assert main(["view", str(job), "--out", str(out)]) == 0
    assert out.stat().st_size > 0


def test_site_example_printer_section_is_valid() -> None:
    from common.config import REPO_ROOT

    cfg = load_printer_config(load_raw(REPO_ROOT / "config" / "site.example.toml"))
    assert cfg.url.startswith("usb://") and cfg.confirm_printed
