"""Start-up errors are one line naming the file or key, exit status 2, never a traceback.

(issue 12: "a non-UTF-8 config file or an unwritable data dir gives a raw traceback"; links and QR
codes from `public_base_url` only; a TLS key pair that does not load.)
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from common.config import ConfigError, ensure_writable_dir, load_raw
from common.serving import uvicorn_config, uvicorn_options
from queueing.app import with_public_base_url
from tests.conftest import REPO_ROOT
from tests.harness import free_port
from tests.queueing.helpers import make_config

SERVICES = ["queueing", "locker"]


def run_service(service: str, tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m SERVICE ARGS` on a free port (data under `tmp` unless ARGS say), expected to stop."""
    if "--data-dir" not in args:
        args = (*args, "--data-dir", str(tmp / f"{service}-data"))
    return subprocess.run(
        [sys.executable, "-m", service, "--port", str(free_port()), *args],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line_error(r: subprocess.CompletedProcess[str], service: str, *needles: str) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout[-1500:], r.stderr[-1500:])
    assert "Traceback" not in r.stderr + r.stdout, r.stderr
    lines = [line for line in r.stderr.splitlines() if line.startswith(f"{service}: ")]
    assert len(lines) == 1, r.stderr
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    return lines[0]


@pytest.mark.parametrize("service", SERVICES)
def test_a_config_file_that_is_not_utf8(tmp_path: Path, service: str) -> None:
    site = tmp_path / "site.toml"
    site.write_bytes(f'[{service}]\n# ghi chú\ncenter_name = "Trung t\xe2m"\n'.encode("latin-1"))
    line = one_line_error(run_service(service, tmp_path, "--config", str(site)), service, str(site), "UTF-8")
    assert "line 2" in line  # the comment's "ú", written as Latin-1


@pytest.mark.parametrize("service", SERVICES)
def test_a_toml_syntax_error(tmp_path: Path, service: str) -> None:
    site = tmp_path / "site.toml"
    site.write_text(f"[{service}\nport = 1\n", encoding="utf-8")
    one_line_error(run_service(service, tmp_path, "--config", str(site)), service, str(site), "line 1")


@pytest.mark.parametrize("service", SERVICES)
def test_a_data_dir_that_cannot_be_written(tmp_path: Path, service: str) -> None:
    # A path under a regular file cannot be created, whoever runs the test (root included).
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    data = blocker / "data"
    one_line_error(
        run_service(service, tmp_path, "--data-dir", str(data)),
        service,
        str(data),
        f"[{service}] data_dir",
        "Not a directory",
    )


def test_a_config_file_that_is_a_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_raw(tmp_path)


def test_ensure_writable_dir_creates_and_checks(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b"
    ensure_writable_dir(target, "[x] data_dir")
    assert target.is_dir() and list(target.iterdir()) == []  # the scratch file is gone


# ------------------------------------------------------------------------- public_base_url


def test_queueing_on_the_lan_needs_public_base_url(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[queueing]\nhost = "0.0.0.0"\npublic_base_url = ""\n', encoding="utf-8")
    one_line_error(
        run_service("queueing", tmp_path, "--config", str(site), "--data-dir", str(tmp_path / "q")),
        "queueing",
        "public_base_url",
        "0.0.0.0",
    )
    assert not (tmp_path / "q").exists()  # refused before anything was created


def test_loopback_without_public_base_url_warns_and_uses_this_machine(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="queueing.app"):
        cfg = with_public_base_url(make_config(host="127.0.0.1", port=8799, public_base_url=""))
    assert cfg.public_base_url == "http://127.0.0.1:8799"
    assert "public_base_url is empty" in caplog.text
    assert with_public_base_url(make_config(public_base_url="http://192.0.2.7:8720")).public_base_url == (
        "http://192.0.2.7:8720"
    )
    for bad in ("192.0.2.7:8720", "http://192.0.2.7:99999", "ftp://192.0.2.7"):
        with pytest.raises(ConfigError, match="public_base_url"):
            with_public_base_url(make_config(public_base_url=bad))


def test_links_never_come_from_the_host_header(tmp_path: Path) -> None:
    import requests

    from tests.harness import QueueingServer

    port = free_port()
    cfg = make_config(public_base_url="http://queue.example:8720")
    with QueueingServer(cfg, tmp_path, port) as srv:
        evil = {"Host": "evil.example"}
        t = requests.post(
            f"{srv.url}/api/v1/tickets",
            json={"service": "ho_tich"},
            headers={**evil, **srv.kiosk_headers, "Idempotency-Key": "l1"},
        ).json()
        assert t["status_url"] == f"http://queue.example:8720/t/{t['ticket_id']}"
        remote = requests.post(
            f"{srv.url}/api/v1/tickets",
            json={"service": "ho_tich", "channel": "remote"},
            headers={**evil, "X-Device-Id": "p1"},
        ).json()
        assert remote["status_url"].startswith("http://queue.example:8720/t/")
        poster = requests.get(f"{srv.url}/remote/poster", headers=evil).text
        assert "http://queue.example:8720/remote" in poster and "evil.example" not in poster


# -------------------------------------------------------------------------------- TLS keys


@pytest.mark.parametrize("service", SERVICES)
def test_a_tls_pair_that_does_not_load(tmp_path: Path, service: str) -> None:
    cert, key = tmp_path / "missing.crt", tmp_path / "missing.key"
    site = tmp_path / "site.toml"
    extra = 'public_base_url = "https://127.0.0.1:1"\n' if service == "queueing" else ""
    site.write_text(
        f'[{service}]\ntls_cert_file = "{cert}"\ntls_key_file = "{key}"\n{extra}', encoding="utf-8"
    )
    one_line_error(run_service(service, tmp_path, "--config", str(site)), service, "tls_cert_file", str(cert))


def test_half_a_tls_pair_is_refused(tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    site.write_text('[locker]\ntls_cert_file = "x.crt"\n', encoding="utf-8")
    r = run_service("locker", tmp_path, "--config", str(site))
    assert r.returncode == 2 and "tls_key_file" in r.stderr and "Traceback" not in r.stderr


def test_trusted_proxies_become_uvicorn_options() -> None:
    assert uvicorn_options(make_config())["proxy_headers"] is False
    opts = uvicorn_options(make_config(trusted_proxies=["192.0.2.5", "10.0.0.0/24"]))
    assert opts["proxy_headers"] is True and opts["forwarded_allow_ips"] == ["192.0.2.5", "10.0.0.0/24"]
    with pytest.raises(ValueError, match="not an IP address"):
        make_config(trusted_proxies=["proxy.example"])


def test_every_service_is_served_quietly_with_its_own_specifics() -> None:
    config = uvicorn_config(object(), make_config(), "127.0.0.1", 8799)
    assert (config.host, config.port, config.log_level, config.access_log) == (
        "127.0.0.1",
        8799,
        "warning",
        False,
    )
    assert config.timeout_graceful_shutdown == 2 and config.server_header is False
    locker = uvicorn_config(
        object(), make_config(), "127.0.0.1", 8799, lifespan="off", timeout_graceful_shutdown=None
    )
    assert locker.lifespan == "off" and locker.timeout_graceful_shutdown is None
