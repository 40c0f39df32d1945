"""Screens: one module + one kiosk/kv file each, found through `kiosk.screens.registry`."""
