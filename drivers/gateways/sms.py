"""SMS gateways: a generic HTTP JSON gateway and a simulated phone writing files a person can read."""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Protocol

import requests

from drivers.gateways.errors import GatewayError

log = logging.getLogger(__name__)


class SmsGateway(Protocol):
    """Sends one text message; raises GatewayError on failure."""

    name: str

    def send(self, to: str, text: str, idempotency_key: str) -> None:
        """Deliver `text` to `to` (E.164); the same key must never deliver twice where supported."""
        ...


class HttpSmsGateway:
    """POST {"to", "text"} as JSON to `url` with a bearer token and an Idempotency-Key header."""

    name = "http-sms"

    def __init__(
        self, url: str, token: str = "", timeout_s: float = 10.0, session: requests.Session | None = None
    ) -> None:
        self.url = url
        self._token = token
        self._timeout_s = timeout_s
        self._session = session or requests.Session()

    def send(self, to: str, text: str, idempotency_key: str) -> None:
        """Send one message; 4xx (except 408/429) is permanent, everything else is retried."""
        headers = {"Idempotency-Key": idempotency_key}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        try:
            resp = self._session.post(
                self.url, json={"to": to, "text": text}, headers=headers, timeout=self._timeout_s
            )
        except requests.RequestException as err:
            raise GatewayError(f"SMS gateway {self.url}: {type(err).__name__}") from err
        if resp.status_code >= 400:
            permanent = 400 <= resp.status_code < 500 and resp.status_code not in (408, 429)
            raise GatewayError(
                f"SMS gateway {self.url} answered HTTP {resp.status_code}", permanent=permanent
            )


class FileSmsGateway:
    """The simulated phone: one UTF-8 file per message in `directory` (the demo's 'inbox').

    The messages hold live pickup codes: files are 0600 in a 0700 directory, like the key files."""

    name = "simulated-sms"

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, to: str, text: str, idempotency_key: str) -> None:
        """Write `<time>_<to>_<key>.txt`; a resend with the same key overwrites, never duplicates.
        A file system error is a GatewayError (retried by the outbox)."""
        try:
            self._write(to, text, idempotency_key)
        except OSError as err:
            raise GatewayError(f"simulated SMS folder {self.directory}: {err.strerror or err}") from err

    def _write(self, to: str, text: str, idempotency_key: str) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        safe_key = re.sub(r"[^A-Za-z0-9_-]", "_", idempotency_key)[:60]
        existing = list(self.directory.glob(f"*_{safe_key}.txt"))
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        # never the number in the name: a file listing or this log line would show it
        path = existing[0] if existing else self.directory / f"{stamp}_{safe_key}.txt"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # a .tmp left by a crash may have had other permissions
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(f"To: {to}\n\n{text}\n")
        os.replace(tmp, path)
        log.info("simulated SMS to %s written to %s", to[:-4] + "****", path.name)


def read_messages(directory: Path) -> list[dict[str, str]]:
    """The simulated inbox, oldest first: [{"to", "text", "file"}] (for tests and the demo)."""
    out = []
    for path in sorted(directory.glob("*.txt")):
        head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
        out.append({"to": head.removeprefix("To: ").strip(), "text": body.strip(), "file": path.name})
    return out
