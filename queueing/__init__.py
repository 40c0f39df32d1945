"""Queueing service: ticket numbering, counters, display board, reports."""
