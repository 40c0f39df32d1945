"""Camera capture in a worker thread and QR decoding (ID card, dossier receipt)."""
