"""The site doctor: `python -m doctor [--config FILE]` (or `kiosk-doctor`) checks a center before opening."""
