"""Where `run_kiosk.py` starts the services: a site that binds a service itself (`[queueing] host`,
`port`) is obeyed, not overridden by the kiosk's URL; a URL that cannot reach it stops the start
with one line naming both keys (a technician's queueing on 0.0.0.0 stayed on loopback before)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from common.config import ConfigError
from kiosk.config import load_app_config
from kiosk.launch import service_specs


def _specs(tmp_path: Path, text: str) -> dict[str, list[str]]:
    site = tmp_path / "site.toml"
    site.write_text(f'[center]\ndata_dir = "{tmp_path}"\n{text}', encoding="utf-8")
    return {s.name: s.argv for s in service_specs(load_app_config(str(site)), str(site))}


def test_a_service_the_site_binds_starts_there(tmp_path: Path) -> None:
    argv = _specs(
        tmp_path,
        '[queueing]\nhost = "0.0.0.0"\nport = 28720\n[kiosk]\nqueueing_url = "http://127.0.0.1:28720"\n',
    )
    assert "--host" not in argv["queueing"] and "--port" not in argv["queueing"]  # its own section's
    assert argv["locker"][3:7] == ["--host", "127.0.0.1", "--port", "8710"]  # not bound by the site


def test_a_kiosk_url_that_cannot_reach_its_service_is_refused(tmp_path: Path) -> None:
    cases = (
        ('[queueing]\nhost = "0.0.0.0"\nport = 28720\n', "queueing_url", "http://…:28720"),
        (
            '[queueing]\nhost = "192.0.2.10"\n[kiosk]\nqueueing_url = "http://127.0.0.1:8720"\n',
            "queueing_url",
            "192.0.2.10 only",
        ),
        (
            '[locker]\nport = 8711\n[kiosk]\nlocker_url = "https://127.0.0.1:8711"\n',
            "locker_url",
            "http://…:8711",
        ),
    )
    for text, key, why in cases:
        pattern = f"{key} = .* cannot reach the .* service \\(.*{re.escape(why)}"
        with pytest.raises(ConfigError, match=pattern):
            _specs(tmp_path, text)


def test_urls_that_go_elsewhere_or_use_the_schemes_port_are_accepted(tmp_path: Path) -> None:
    tls = f'tls_cert_file = "{tmp_path}/q.crt"\ntls_key_file = "{tmp_path}/q.key"\n'
    for text in (
        f'[queueing]\nhost = "0.0.0.0"\nport = 443\n{tls}[kiosk]\nqueueing_url = "https://127.0.0.1"\n',
        '[queueing]\nhost = "0.0.0.0"\n[kiosk]\nqueueing_url = "https://queue.center.example"\n',
        '[queueing]\nport = 8721\n[kiosk]\nqueueing_url = "http://192.0.2.20:8720"\n',  # another PC's
    ):
        assert "--host" not in _specs(tmp_path, text)["queueing"]
