"""Receipt printers over python-escpos: layouts drawn for Vietnamese, status, backends by URL."""
