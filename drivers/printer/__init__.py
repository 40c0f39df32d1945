"""Receipt printers over python-escpos: layouts drawn for Vietnamese, status, backends by URL.

Entry points: `printer.open_printer(url, ...)` / `printer.open_from_config(PrinterConfig)`
(`config.py`), returning a `model.ReceiptPrinter`; `watch.PrinterWatch` for background status;
`python -m drivers.printer samples|status|view` for installers.

Inside: `layouts` (data -> `elements.Document`, pure) -> `render` (Pillow, per paper width) ->
`encode` (ESC/POS bytes) -> `transport` / `sim` (bytes to a device or a simulator, chosen by
`url`); `status` decodes DLE EOT; `decode` reads a byte stream back (tests, `view`).
"""
