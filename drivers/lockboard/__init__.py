"""Lock control boards on RS485: pure codecs, a bus thread per serial line, a simulator."""
