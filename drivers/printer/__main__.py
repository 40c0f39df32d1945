"""Installer's tool: `python -m drivers.printer samples|status [--printer URL] [--width 58|80]`.

`samples` prints one of each layout (ticket, pickup receipt, loading slip) with invented data,
in Vietnamese and English, after asking the printer for its status. `status` only asks.
Without --printer the [printer] section of the configuration is used.
`view JOB.bin [--out JOB.png]` redraws a saved ESC/POS job (e.g. from png://) as an image.
"""

from __future__ import annotations

import argparse
import functools
import logging
from collections.abc import Callable
from pathlib import Path

from common.cli_exit import fail
from common.config import ConfigError, load_raw, validate
from common.logsetup import WIRE_LOGGER, setup_logging
from drivers.printer.config import PrinterConfig, load_printer_config
from drivers.printer.decode import DecodeError, to_image
from drivers.printer.model import PrintError, PrinterState
from drivers.printer.printer import EscposReceiptPrinter, open_from_config
from drivers.printer.render import WIDTH_DOTS
from drivers.printer.samples import sample_loading_slip, sample_pickup_receipt, sample_ticket

PROGRAM = "printer"  # the prefix of its error lines


def _config(args: argparse.Namespace) -> PrinterConfig:
    cfg = load_printer_config(load_raw(args.config))
    changes: dict[str, object] = {}
    if args.printer:
        changes["url"] = args.printer
    if args.width:
        changes["paper_width_mm"] = args.width
    return validate(PrinterConfig, {**cfg.model_dump(), **changes}, "printer")


def _samples(printer: EscposReceiptPrinter, languages: list[str]) -> int:
    failed = 0
    for lang in languages:
        jobs: list[tuple[str, Callable[[], object]]] = [
            ("ticket", functools.partial(printer.print_ticket, sample_ticket(lang))),
            ("pickup receipt", functools.partial(printer.print_pickup_receipt, sample_pickup_receipt(lang))),
            ("loading slip", functools.partial(printer.print_loading_slip, sample_loading_slip(lang))),
        ]
        for name, job in jobs:
            try:
                job()
            except PrintError as err:
                failed += 1
                print(f"FAILED {name} ({lang}): {err}")
            else:
                print(f"printed {name} ({lang})")
    return 1 if failed else 0


def _view(ap: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not args.job:
        ap.error("view needs the .bin file of a job")
    src = Path(args.job)
    out = Path(args.out) if args.out else src.with_suffix(".view.png")
    try:
        data = src.read_bytes()
        image = to_image(data, WIDTH_DOTS[args.width] if args.width else None)
    except (OSError, DecodeError) as err:
        return fail(PROGRAM, f"cannot redraw {src}: {err}")
    image.save(out)
    print(f"wrote {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    ap = argparse.ArgumentParser(prog="python -m drivers.printer", description=__doc__.splitlines()[0])
    ap.add_argument("command", choices=["samples", "status", "view"])
    ap.add_argument("job", nargs="?", help="for view: a .bin file with ESC/POS bytes")
    ap.add_argument("--out", help="for view: the PNG to write (default: next to the .bin)")
    ap.add_argument("--printer", help="printer URL, e.g. png://var/printer, tcp://192.0.2.50:9100")
    ap.add_argument("--width", type=int, choices=[58, 80], help="paper width in mm (default: from config)")
    ap.add_argument("--language", choices=["vi", "en", "both"], default="both")
    ap.add_argument("--config", help="site config file merged over config/default.toml")
    ap.add_argument("-v", "--verbose", action="store_true", help="log the DLE EOT traffic too")
    args = ap.parse_args(argv)
    if args.command == "view":
        return _view(ap, args)
    setup_logging("INFO")
    if args.verbose:
        wire = logging.getLogger(WIRE_LOGGER)
        wire.addHandler(logging.StreamHandler())
        wire.setLevel(logging.DEBUG)
    try:
        cfg = _config(args)
    except ConfigError as err:
        return fail(PROGRAM, f"configuration error: {err}")
    try:
        printer = open_from_config(cfg)
    except PrintError as err:
        return fail(PROGRAM, f"cannot open the printer: {err}")
    with printer:
        report = printer.status_report()
        print(f"printer {cfg.url} ({cfg.paper_width_mm} mm): {report}")
        if report.state is not PrinterState.READY:
            print(f"  what to do: {report.advice}")
        if args.command == "status":
            return 0 if report.state.can_print else 1
        languages = ["vi", "en"] if args.language == "both" else [args.language]
        return _samples(printer, languages)


if __name__ == "__main__":
    raise SystemExit(main())
