"""Staff (supervisor only): view the handover photo of a collected deposit (issue 16).

The list is the locker's kept photos (GET /api/v1/handover-photos, newest first); a row's "View"
asks for the reason on the kiosk keyboard, then the photo is shown in an Image widget. The locker
refuses a loader (403) and audits each view with its reason; the JPEG is only held in the widget's
texture while the photo step is on screen, and dropped on leaving it or on idle sign-out.
"""

from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

from kivy.core.image import Image as CoreImage
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from contracts.handover import KeptPhoto, KeptPhotos
from kiosk.clients.base import ApiError
from kiosk.clients.handover import kept_photos, view_photo
from kiosk.screens.registry import register
from kiosk.screens.staff_base import StaffScreen, find_button, make_row

log = logging.getLogger(__name__)

REASON_MIN = 3  # contracts.handover.PhotoViewBody.reason
REASON_MAX = 200


def _when(iso: str) -> str:
    """'2026-12-06T09:15:02+07:00' -> '06/12/2026 09:15' (the locker's clock, as sent)."""
    day, _, time = iso.partition("T")
    y, m, d = (day.split("-") + ["", "", ""])[:3]
    return f"{d}/{m}/{y} {time[:5]}".strip()


@register("staff_photos", kv="staff_photos.kv", order=36)
class StaffPhotosScreen(StaffScreen):
    """`step`: "list" (kept photos), "reason" (typing why), "photo" (the image on screen)."""

    step = StringProperty("list")
    reason = StringProperty("")
    reason_ok = BooleanProperty(False)  # long enough to send
    title = StringProperty("")
    retention_days = NumericProperty(0)

    def __init__(self, ctx: Any, **kwargs: Any) -> None:
        super().__init__(ctx, **kwargs)
        self.rows: list[KeptPhoto] = []
        self.chosen: KeptPhoto | None = None
        self.busy = False

    def prepare(self, **_params: Any) -> None:
        """Load the list of kept photos."""
        self._forget_photo()
        self.step, self.reason, self.chosen, self.rows = "list", "", None, []
        self.render()
        self.refresh()

    def refresh(self) -> None:
        """Ask the locker for the kept photos again."""
        self.say("staff.loading")
        client = self.client
        self.run(lambda: kept_photos(client), self._loaded)

    def _loaded(self, kept: KeptPhotos) -> None:
        self.rows = list(kept.photos)
        self.retention_days = kept.retention_days
        if self.rows:
            self.say("photos.intro", days=kept.retention_days)
        elif kept.enabled:
            self.say("photos.none_kept", days=kept.retention_days)
        else:
            self.say("photos.off")
        self.render()

    def render(self) -> None:
        """Rebuild the rows (list step)."""
        box = self.ids.rows
        box.clear_widgets()
        for p in self.rows:
            text = self.tr("photos.row", label=p.compartment, code=p.dossier_code, when=_when(p.taken_at))
            view = (self.tr("photos.view_btn"), "primary", lambda c=p: self.choose(c), f"view-{p.pickup_id}")
            box.add_widget(make_row(text, [view]))
        if self.chosen is not None:
            self.title = self.tr(
                "photos.reason_title", label=self.chosen.compartment, code=self.chosen.dossier_code
            )

    def button(self, test_id: str) -> Any:
        """A row button by id, "view-<pickup_id>" (tests tap it)."""
        return find_button(self.ids.rows, test_id)

    def choose(self, photo: KeptPhoto) -> None:
        """Ask why before showing `photo`."""
        self.chosen, self.reason, self.step = photo, "", "reason"
        self.ids.keyboard.value = ""
        self.reason_ok = False
        self.say(None)
        self.render()

    def on_keyboard(self, value: str) -> None:
        """The keyboard changed the reason."""
        self.reason = value
        self.reason_ok = len(" ".join(value.split())) >= REASON_MIN
        self.ctx.nav.touch_activity()

    def show(self) -> None:
        """Send the reason; the locker answers the JPEG (and audits the view)."""
        reason = " ".join(self.reason.split())
        if len(reason) < REASON_MIN or self.chosen is None:
            self.say("photos.reason_short", "error", min=REASON_MIN)
            return
        if self.busy:
            return
        self.busy = True
        client, chosen = self.client, self.chosen
        self.say("common.please_wait")
        self.run(lambda: view_photo(client, chosen.pickup_id, reason), self._shown, self._refused)

    def _shown(self, jpeg: bytes) -> None:
        self.busy = False
        chosen = self.chosen
        if chosen is None:  # left the screen meanwhile
            return
        self.ids.photo.texture = CoreImage(io.BytesIO(jpeg), ext="jpg").texture
        self.step = "photo"
        self.say("photos.shown", "ok", when=_when(chosen.taken_at), kiosk=chosen.kiosk)

    def _refused(self, err: BaseException) -> bool:
        self.busy = False
        if isinstance(err, ApiError) and err.code == "no_photo":
            self.say("photos.gone", "error", days=self.retention_days)
            self.rows = [r for r in self.rows if self.chosen is None or r.pickup_id != self.chosen.pickup_id]
            self.step = "list"
            self.render()
            return True
        if isinstance(err, ApiError) and err.code == "photo_unreadable":
            self.say("photos.unreadable", "error")
            return True
        if isinstance(err, ApiError) and err.status == 422:
            self.say("photos.reason_short", "error", min=REASON_MIN)
            return True
        return False

    def back(self) -> None:
        """From the photo or the reason back to the list (the image is dropped)."""
        self._forget_photo()
        self.step, self.chosen, self.reason = "list", None, ""
        self.say("photos.intro" if self.rows else None, days=self.retention_days)
        self.render()

    def _forget_photo(self) -> None:
        if "photo" in self.ids:
            self.ids.photo.texture = None

    def reset(self) -> None:
        self._forget_photo()
        self.step, self.chosen, self.reason, self.rows = "list", None, "", []
        super().reset()

    def on_language(self, lang: str) -> None:
        super().on_language(lang)
        self.render()

    @classmethod
    def demo_states(cls) -> list[str]:
        return ["list", "reason", "photo"]

    def stage_demo(self, state: str) -> None:
        self.retention_days = 30
        demo = KeptPhoto(
            pickup_id="p1",
            dossier_code="H26.1-241101-0007",
            compartment="3",
            kiosk="kiosk-1",
            taken_at="2026-12-06T09:15:02+07:00",
        )
        self.rows, self.step, self.chosen = [demo], "list", None
        self.say("photos.intro", days=30)
        self.render()
        if state == "list":
            return
        self.choose(demo)
        for key in "KHIEU NAI HS 0007":
            self.ids.keyboard.press(key)
        if state == "photo":  # an invented frame: the camera sample with no person and no code
            sample = Path(__file__).resolve().parents[2] / "assets" / "camera-samples" / "4-no-code.jpg"
            self._shown(sample.read_bytes())
