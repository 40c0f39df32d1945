"""The kiosk's queueing client carries the kiosk token (issue 12): read from the file the service
writes, found where the service puts it, and read again once after a rotation."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import REPO_ROOT
from kiosk.clients.base import ApiError, ServiceUnavailable
from kiosk.clients.queueing import QueueingClient, token_path
from kiosk.config import load_app_config
from queueing.kiosk_token import rotate
from tests.harness import QueueingServer, free_port
from tests.queueing.helpers import make_config


def test_the_client_sends_the_token_and_rereads_it_after_a_rotation(tmp_path: Path) -> None:
    with QueueingServer(make_config(), tmp_path, free_port()) as srv:
        token_file = tmp_path / "kiosk.token"
        client = QueueingClient(srv.url, token_file=token_file, timeout_s=10)
        t = client.take_ticket("ho_tich", priority="elderly")
        assert t.state == "pending" and t.priority == "elderly"
        assert client.confirm(t.ticket_id, "printed") == "waiting"
        rotate(token_file)  # `python -m queueing kiosk-token rotate`
        second = client.take_ticket("ho_tich")  # 401 with the cached token, file read again
        client.void(second.ticket_id)
        assert client.health()["status"] == "ok"
        stranger = QueueingClient(srv.url, kiosk_token="guessed", timeout_s=10)
        with pytest.raises(ApiError) as refused:
            stranger.take_ticket("ho_tich")
        assert refused.value.status == 401 and refused.value.code == "not_kiosk"


def test_without_a_token_file_the_service_counts_as_down(tmp_path: Path) -> None:
    with QueueingServer(make_config(), tmp_path, free_port()) as srv:
        client = QueueingClient(srv.url, token_file=tmp_path / "missing.token", timeout_s=10)
        with pytest.raises(ServiceUnavailable) as down:
            client.health()
        assert down.value.code == "no_kiosk_token" and "kiosk_token_file" in down.value.message


def test_token_path_follows_the_queueing_section(tmp_path: Path) -> None:
    assert token_path(load_app_config()) == REPO_ROOT / "var" / "queueing" / "kiosk.token"
    site = tmp_path / "site.toml"
    site.write_text(f'[queueing]\ndata_dir = "{tmp_path}/q"\n', encoding="utf-8")
    assert token_path(load_app_config(site)) == tmp_path / "q" / "kiosk.token"
    site.write_text(f'[queueing]\nkiosk_token_file = "{tmp_path}/copy.token"\n', encoding="utf-8")
    assert token_path(load_app_config(site)) == tmp_path / "copy.token"
