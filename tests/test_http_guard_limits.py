"""Both services as real processes: huge bodies refused with flat memory, HTTPS, forwarded headers.

(issue 12: "a 200 MB body took queueing to 652 MB and the locker to 641 MB before a 4xx"; no TLS
option and no Secure cookie; uvicorn trusted X-Forwarded-For from 127.0.0.1.)
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import signal
import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.harness import LockerProcess, QueueingProcess, free_port
from tests.http_probe import MB, chunks, push, rss_bytes
from tests.queueing.helpers import make_config

pytestmark = pytest.mark.slow

BIG = 200 * MB
#: Resident memory may move a little while a refused request is handled; a body read into memory
#: would move it by hundreds of MB.
RSS_SLACK = 24 * MB


def start_locker(
    tmp: Path, site_lines: str = "", scheme: str = "http", verify: str | bool = True
) -> LockerProcess:
    """Start the locker daemon with `site_lines` under [locker] and wait for its health."""
    site = tmp / "locker-site.toml"
    site.write_text("[locker]\n" + site_lines, encoding="utf-8")
    daemon = LockerProcess(tmp, data_dir=tmp / "locker-data", site_path=site)
    daemon.url, daemon.verify = f"{scheme}://127.0.0.1:{daemon.port}", verify
    daemon.start(60)
    return daemon


def stop_locker(d: LockerProcess) -> str:
    """SIGTERM, wait, and return what it printed."""
    d.stop(30)
    return d.log()


@pytest.fixture(scope="module")
def queue_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[QueueingProcess]:
    with QueueingProcess(make_config(), tmp_path_factory.mktemp("queue"), free_port()) as srv:
        yield srv


@pytest.fixture(scope="module")
def locker_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LockerProcess]:
    d = start_locker(tmp_path_factory.mktemp("locker"))
    yield d
    stop_locker(d)


def _refuses_200_mb(port: int, pid: int, path: str, chunked: bool) -> None:
    requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5)  # warm: first answers allocate
    before = rss_bytes(pid)
    answer = push(port, path, chunks(BIG), None if chunked else BIG)
    after = rss_bytes(pid)
    assert answer.status == 413, answer
    assert answer.body["error"] == "body_too_large" and answer.body["max_body_bytes"] == 65536
    assert answer.headers.get("connection") == "close"
    assert answer.sent_bytes < BIG // 4, f"the server read {answer.sent_bytes} bytes before refusing"
    assert after - before < RSS_SLACK, f"RSS grew by {(after - before) / MB:.1f} MB"
    # the service is still fine
    assert requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).status_code == 200


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_queueing_refuses_200_mb_with_flat_memory(queue_server: QueueingProcess, chunked: bool) -> None:
    assert queue_server.proc is not None
    # the kiosk's issue route, which the pure-ASGI fast path answers: the guard sits in front of it
    _refuses_200_mb(queue_server.port, queue_server.proc.pid, "/api/v1/tickets", chunked)


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_locker_refuses_200_mb_with_flat_memory(locker_daemon: LockerProcess, chunked: bool) -> None:
    assert locker_daemon.proc is not None
    # no token, as in the finding: the size is refused before anything else is looked at
    _refuses_200_mb(locker_daemon.port, locker_daemon.proc.pid, "/api/v1/pickups", chunked)


# ---------------------------------------------------------------------------------------- TLS


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, signed by its own key (the test's CA file)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kiosk test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "test.crt", tmp / "test.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def tls_queue(tmp: Path, cert: Path, key: Path) -> QueueingProcess:
    """The queueing process over HTTPS (its health polled with the test's CA file)."""
    port = free_port()
    cfg = make_config(
        tls_cert_file=str(cert), tls_key_file=str(key), public_base_url=f"https://127.0.0.1:{port}"
    )
    srv = QueueingProcess(cfg, tmp, port)
    srv.url, srv.verify = f"https://127.0.0.1:{port}", str(cert)
    return srv


def test_queueing_over_https_sets_secure_cookies(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    with tls_queue(tmp_path, cert, key) as srv:
        health = requests.get(f"{srv.url}/api/v1/health", verify=str(cert), timeout=5)
        assert health.status_code == 200 and health.json()["status"] == "ok"
        assert "server" not in health.headers  # no product name and version (uvicorn_options)
        with pytest.raises(requests.exceptions.SSLError):  # nobody else's CA vouches for it
            requests.get(f"{srv.url}/api/v1/health", timeout=5)
        # a cookie set by a route without Secure gets it from the guard (the session cookie too:
        # tests/test_http_guard.py checks every Set-Cookie of an https request)
        remote = requests.get(f"{srv.url}/remote", verify=str(cert), timeout=5)
        cookie = remote.headers["set-cookie"]
        assert cookie.startswith("qdevice=") and "Secure" in cookie, cookie
        # the status link printed on a ticket is the configured https address
        t = requests.post(
            f"{srv.url}/api/v1/tickets",
            json={"service": "ho_tich"},
            headers={**srv.kiosk_headers, "Idempotency-Key": "tls-1"},
            verify=str(cert),
            timeout=5,
        ).json()
        assert t["status_url"] == f"{srv.url}/t/{t['ticket_id']}"


def test_locker_over_https_with_the_kiosk_client_and_a_ca_file(tmp_path: Path) -> None:
    from kiosk.clients.base import ServiceClient, ServiceUnavailable

    cert, key = self_signed(tmp_path)
    d = start_locker(tmp_path, f'tls_cert_file = "{cert}"\ntls_key_file = "{key}"\n', "https", str(cert))
    try:
        client, plain = ServiceClient(d.url, ca_file=str(cert)), ServiceClient(d.url)
        assert client.health()["status"] == "ok"
        with pytest.raises(ServiceUnavailable):  # without the CA file the certificate is refused
            plain.health()
        client.close()
        plain.close()
    finally:
        out = stop_locker(d)
    assert f"listening on https://127.0.0.1:{d.port}" in out


def test_locker_over_https_stops_at_once_with_a_kept_alive_client(tmp_path: Path) -> None:
    """A client holding an idle kept-alive TLS connection (as the kiosk's pool does) and not
    reading: the stop drops it instead of waiting for its close_notify (it took 30 s before)."""
    cert, key = self_signed(tmp_path)
    d = start_locker(tmp_path, f'tls_cert_file = "{cert}"\ntls_key_file = "{key}"\n', "https", str(cert))
    context = ssl.create_default_context(cafile=str(cert))
    with context.wrap_socket(
        socket.create_connection(("127.0.0.1", d.port)), server_hostname="127.0.0.1"
    ) as kept:
        kept.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert kept.recv(4096).startswith(b"HTTP/1.1 200")
        assert d.proc is not None
        d.proc.send_signal(signal.SIGTERM)
        assert d.proc.wait(timeout=10) == 0  # a bound, not a measurement: before, 30 s
    assert f"listening on https://127.0.0.1:{d.port}" in stop_locker(d)


# ------------------------------------------------------------------------ forwarded headers


def _receipt_checks_from_five_forwarded_addresses(tmp_path: Path, site: str) -> list[int]:
    """Five receipt checks, each saying (X-Forwarded-For) it comes from another address."""
    d = start_locker(tmp_path, site)
    try:
        return [
            requests.get(
                f"{d.url}/api/v1/receipts/not-a-receipt",
                headers={"X-Forwarded-For": f"198.51.100.{i}"},
                timeout=5,
            ).status_code
            for i in range(5)
        ]
    finally:
        stop_locker(d)


def test_forwarded_for_from_an_untrusted_client_changes_nothing(tmp_path: Path) -> None:
    """The receipt-check limit is per client address: a made-up X-Forwarded-For does not reset it."""
    statuses = _receipt_checks_from_five_forwarded_addresses(tmp_path, "verify_requests_per_min = 3\n")
    assert statuses == [404, 404, 404, 429, 429]


def test_forwarded_for_from_a_configured_proxy_is_believed(tmp_path: Path) -> None:
    site = 'verify_requests_per_min = 3\ntrusted_proxies = ["127.0.0.1"]\n'
    statuses = _receipt_checks_from_five_forwarded_addresses(tmp_path, site)
    assert statuses == [404] * 5  # each forwarded address has its own allowance


def test_queueing_ignores_forwarded_for_from_an_untrusted_client(tmp_path: Path) -> None:
    """Remote tickets are limited per address too: X-Forwarded-For does not make new addresses."""
    cfg = make_config(remote_max_per_window=2, remote_tickets_per_device_per_day=10)
    with QueueingProcess(cfg, tmp_path, free_port()) as srv:
        statuses = [
            requests.post(
                f"{srv.url}/api/v1/tickets",
                json={"service": "ho_tich", "channel": "remote"},
                headers={"X-Forwarded-For": f"198.51.100.{i}", "X-Device-Id": f"phone-{i}"},
                timeout=5,
            ).status_code
            for i in range(3)
        ]
    assert statuses == [201, 201, 429]
