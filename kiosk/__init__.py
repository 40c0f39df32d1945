"""Kivy touchscreen app: screens, widgets, clients of the locker and queueing services."""
