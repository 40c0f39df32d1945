"""The locker service: wires store, codes, staff, cabinet, deposits, pickups, outbox and monitor.

Built with constructor injection (buses, gateways and clock come from the caller), so tests run
the same object over a simulator on a pty and a controlled clock.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from common.clock import Clock
from common.sealed import read_or_create_secret
from contracts.locker_compartments import CabinetCompartment, CabinetView, CompartmentRow
from drivers.gateways.backoffice import BackOffice
from drivers.gateways.sms import SmsGateway
from drivers.lockboard.types import DoorState, LockBus
from locker import deposits_repo, outbox
from locker.alarms import Alarms
from locker.cabinet import Cabinet
from locker.codes import CodeBook
from locker.config import LockerConfig
from locker.custody import Custody
from locker.deposits import Deposits
from locker.domain import DepositState, view_of
from locker.dossiers import DossierDesk
from locker.errors import StorageFailed
from locker.kiosk_devices import KioskDevices
from locker.monitor import Monitor
from locker.pickup import Pickups
from locker.secrets_files import check_data_dir
from locker.staff import StaffDirectory
from locker.store import Store
from locker.wiring import Wiring

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Paths:
    """Files of one data directory."""

    data_dir: Path
    db: Path
    code_key: Path
    kiosk_token: Path
    staff_key: Path | None = None  # AES-GCM key of staff TOTP secrets; None: next to the database


class LockerService:
    """Everything the API needs, with explicit start/stop."""

    def __init__(
        self,
        cfg: LockerConfig,
        paths: Paths,
        clock: Clock,
        buses: dict[str, LockBus],
        sms: SmsGateway,
        backoffice: BackOffice,
        start_fresh: bool = False,
    ) -> None:
        """`start_fresh`: accept a new database or code key where the data directory lost one
        (`python -m locker --start-fresh`); without it such a start raises KeyFileError."""
        self.cfg = cfg
        self.paths = paths
        self.clock = clock
        self.buses = buses
        staff_key = paths.staff_key or paths.db.with_name("staff.key")
        check_data_dir(paths.db, paths.code_key, staff_key, start_fresh=start_fresh)
        self.store = Store(paths.db)
        self.store.open()
        self.codes = CodeBook(read_or_create_secret(paths.code_key), cfg.codes.length_digits)
        self.kiosk_token = read_or_create_secret(paths.kiosk_token)
        self.alarms = Alarms(self.store, clock, ZoneInfo(cfg.timezone))
        self.kiosk_devices = KioskDevices(self.store, self.alarms, clock)
        self.warnings: list[dict[str, str]] = []
        """Site-config problems staff must fix (`locker.daemon.config_warnings`), in /api/v1/health."""
        try:
            self.staff = StaffDirectory(self.store, clock, cfg.staff, paths.staff_key)
        except Exception:
            self.store.close()  # a start-up error (e.g. the staff key file is missing): leave no handle
            raise
        self.cabinet = Cabinet(self.store, clock, cfg.compartments, buses, cfg.doors.watch_s)
        self.outbox = OutboxWorkerRef(self)
        wiring = Wiring(cfg, self.store, clock, self.codes, self.cabinet, self.alarms, self.outbox.kick)
        self.deposits = Deposits(wiring, backoffice)
        self.custody = Custody(wiring, self.deposits)
        self.dossiers = DossierDesk(wiring, backoffice, self.deposits)
        self.pickups = Pickups(wiring)
        self.monitor = Monitor(wiring, self.deposits)
        self.worker = outbox.OutboxWorker(
            self.store,
            clock,
            cfg.outbox,
            sms,
            backoffice,
            self.alarms.raise_,
            sms_box=self.codes.sms_box,
        )

    def start(self, sweep_interval_s: float = 5.0, reconcile: bool = True) -> None:
        """Listen for door events, reconcile with the sensors, then start the outbox worker and
        the monitor (which first handles the events that came during reconciliation)."""
        self.monitor.subscribe()
        if reconcile:
            found = self.monitor.reconcile("boot")
            if found:
                log.warning("boot reconciliation: %d mismatch(es), alarms raised", len(found))
        self.worker.start()
        self.monitor.start(sweep_interval_s)

    def stop(self) -> None:
        """Stop the threads and close the database (buses are closed by their owner)."""
        self.monitor.stop()
        self.worker.stop()
        self.store.close()

    # ----- views -----
    def _active_by_compartment(self) -> dict[str, sqlite3.Row]:
        with self.store.read() as conn:
            rows = deposits_repo.active_rows(conn)
        return {r["compartment"]: r for r in rows}

    def compartments(self) -> list[CompartmentRow]:
        """Staff view: every compartment with its door, item sensor and deposit."""
        active = self._active_by_compartment()
        out = []
        for label, comp in self.cabinet.compartments.items():
            dep = active.get(label)
            door = self.cabinet.door(label)
            state = view_of(
                DepositState(dep["state"]) if dep else None, door is DoorState.OPEN, comp.disabled
            )
            out.append(
                CompartmentRow.model_validate(
                    {
                        "label": label,
                        "size": comp.size,
                        "state": state,
                        "door": door.value,
                        "item_present": self.cabinet.item(label),
                        "deposit_id": dep["deposit_id"] if dep else None,
                        "deposit_state": dep["state"] if dep else None,
                        "bus": comp.bus,
                        "board": comp.board,
                        "lock": comp.lock,
                    }
                )
            )
        return out

    def cabinet_view(self) -> CabinetView:
        """Kiosk view: the layout for the cabinet picture, without deposit ids."""
        comps = self.compartments()
        layout = self.cabinet.compartments
        columns = 1 + max((c.column for c in layout.values()), default=0)
        return CabinetView(
            columns=columns,
            compartments=[
                CabinetCompartment(
                    label=c.label,
                    size=c.size,
                    column=layout[c.label].column,
                    row=layout[c.label].row,
                    height_units=layout[c.label].height_units,
                    state=c.state,
                )
                for c in comps
            ],
        )

    def health(self, detail: bool = False) -> dict[str, Any]:
        """Storage, buses, boards, open alarms, the outbox backlog and site-config `warnings`.

        `status`: "ok", "degraded" (a bus or board is down) or "failed" (the database file or
        data directory was deleted or replaced: nothing can be saved; the API answers 503).
        `detail` (a staff caller): device URLs, bus errors and the storage problem's path; never
        shown to anyone else, since a TCP-RS485 bridge's address is a way to the locks.
        """
        buses = []
        ok = True
        for bus in self.buses.values():
            try:
                h = dict(bus.health())
            except Exception as err:  # noqa: BLE001 - health must always answer
                h = {"bus": getattr(bus, "name", "?"), "connected": False, "error": str(err)}
            boards = h.get("boards") or {}
            if not h.get("connected") or any(v != "ok" for v in dict(boards).values()):  # type: ignore[call-overload]
                ok = False
            if not detail:
                h.pop("url", None)
                h["error"] = "see the locker log" if h.get("error") else None
            buses.append(h)
        problem = self.store.storage_problem()
        out: dict[str, Any] = {"status": "ok" if ok else "degraded", "buses": buses}
        out["warnings"] = list(self.warnings)
        comps = self.cabinet.compartments.values()
        out["compartments"] = {"total": len(comps), "out_of_service": sum(1 for c in comps if c.disabled)}
        if problem is None:
            out["alarms_open"] = self.alarms.open_count()
            out["outbox_backlog"] = outbox.backlog(self.store)
            out["kiosk_devices"] = self.kiosk_devices.problems()
        else:  # what the database says no longer counts: loud, and no reads of a lost file
            failed = StorageFailed()
            out.update(status="failed", error=failed.code, message=failed.message)
            out["storage"] = problem if detail else "failed"
            out["alarms_open"] = out["outbox_backlog"] = None
            out["kiosk_devices"] = {}
        return out


class OutboxWorkerRef:
    """Lets components created before the worker wake it (avoids a construction cycle)."""

    def __init__(self, service: LockerService) -> None:
        self._service = service

    def kick(self) -> None:
        """Wake the outbox worker if it exists yet."""
        worker = getattr(self._service, "worker", None)
        if worker is not None:
            worker.kick()
