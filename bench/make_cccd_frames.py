"""Generate camera-like frames of citizen ID cards (CCCD) of INVENTED people, with expected payloads.

Each frame is 640x480 (VGA, as a kiosk camera delivers) showing a card-like rectangle with text
lines and the QR in its top-right corner, as on a real chip card, seen through one or more of:
perspective, rotation, defocus blur, motion blur, glare, low light, sensor noise, JPEG artefacts
and a small (far) card. A share of frames shows a card with no QR (its back, or an empty desk), for
timing frames with nothing to decode.

    python -m bench.make_cccd_frames --out var/bench/cccd-frames --count 200 --seed 7

writes `NNN.jpg`/`NNN.png` and `manifest.json` ([{"image", "text" (null: no QR), "effects"}]).
Every name, number and address is invented; ID numbers use real province-code prefixes only so
that the parser accepts them.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import cv2
import numpy as np
import qrcode
from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parent.parent
FONT = REPO / "assets" / "fonts" / "NotoSans-Regular.ttf"
FONT_BOLD = REPO / "assets" / "fonts" / "NotoSans-Bold.ttf"
W, H = 640, 480

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Công"]
MIDDLE_F = ["Thị", "Ngọc", "Thu", "Thanh", "Bích", "Mỹ", "Diệu"]
GIVEN_M = ["An", "Bảo", "Cường", "Dũng", "Hải", "Khoa", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tuấn"]
GIVEN_F = ["Anh", "Châu", "Dung", "Hà", "Hạnh", "Lan", "Linh", "Mai", "Ngân", "Phương", "Trang", "Yến"]
STREETS = ["Đường Số 1", "Ngõ 12 Phố Giả Định", "Thôn Thử Nghiệm", "Tổ 3 Khu Mẫu", "Ấp Minh Họa"]
PLACES = ["Phường Mẫu, Quận Thử, Hà Nội", "Xã Ví Dụ, Huyện Giả, Nghệ An", "Phường Demo, TP. Thử, Cần Thơ"]
PROVINCES = ["001", "031", "038", "040", "046", "048", "079", "092"]


@dataclass
class Person:
    """An invented card holder."""

    id_number: str
    old_id: str
    name: str
    birth: date
    female: bool
    address: str
    issue: date
    new_format: bool

    def payload(self) -> str:
        """The QR text as on a card (11 fields for cards issued from July 2024)."""
        fields = [
            self.id_number,
            self.old_id,
            self.name,
            self.birth.strftime("%d%m%Y"),
            "Nữ" if self.female else "Nam",
            self.address,
            self.issue.strftime("%d%m%Y"),
        ]
        if self.new_format:
            fields += ["", "", "", ""]
        return "|".join(fields)


def invent_person(rng: random.Random) -> Person:
    """A plausible, invented person (the ID encodes sex/century and birth year as real ones do)."""
    female = rng.random() < 0.5
    birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 66))
    century_digit = (0 if birth.year < 2000 else 2) + (1 if female else 0)
    id_number = f"{rng.choice(PROVINCES)}{century_digit}{birth.year % 100:02d}{rng.randrange(10**6):06d}"
    old_id = f"{rng.randrange(10**9):09d}" if rng.random() < 0.6 else ""
    middle = rng.choice(MIDDLE_F if female else MIDDLE_M)
    given = rng.choice(GIVEN_F if female else GIVEN_M)
    name = f"{rng.choice(SURNAMES)} {middle} {given}"
    address = f"{rng.randrange(1, 300)} {rng.choice(STREETS)}, {rng.choice(PLACES)}"
    issue = date(2021, 1, 1) + timedelta(days=rng.randrange(0, 365 * 5))
    return Person(id_number, old_id, name, birth, female, address, issue, issue >= date(2024, 7, 1))


def qr_image(text: str, module_px: int) -> np.ndarray:
    """A crisp QR (ECC M, as on cards) with a 2-module quiet zone, as a grayscale array."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=module_px, border=2)
    qr.add_data(text.encode("utf-8"))
    qr.make(fit=True)
    return np.array(qr.make_image(fill_color="black", back_color="white").convert("L"))


def card_image(person: Person | None, rng: random.Random) -> np.ndarray:
    """A 856x540 card face (BGR) at ~10 px/mm; the QR sits top right like on the chip card."""
    cw, ch = 856, 540
    tint = (rng.randrange(225, 250), rng.randrange(225, 245), rng.randrange(200, 235))
    img = Image.new("RGB", (cw, ch), tint)
    draw = ImageDraw.Draw(img)
    bold = ImageFont.truetype(str(FONT_BOLD), 30)
    font = ImageFont.truetype(str(FONT), 24)
    draw.rectangle((0, 0, cw, 70), fill=(200, 60, 50))
    draw.text((150, 14), "CĂN CƯỚC (MẪU THỬ – KHÔNG HỢP LỆ)", font=bold, fill=(255, 240, 200))
    draw.rectangle((40, 120, 250, 380), fill=(170, 180, 190))  # photo placeholder
    if person is not None:
        lines = [
            f"Số: {person.id_number}",
            person.name.upper(),
            person.birth.strftime("%d/%m/%Y"),
            "Nữ" if person.female else "Nam",
            person.address[:34],
        ]
        for n, line in enumerate(lines):
            draw.text((280, 230 + 48 * n), line, font=font, fill=(30, 30, 40))
        qr = Image.fromarray(qr_image(person.payload(), 3)).convert("RGB")
        qr = qr.resize((210, 210), Image.Resampling.NEAREST)
        img.paste(qr, (cw - 240, 90))
    else:
        for n in range(5):
            draw.text((280, 230 + 48 * n), "Đặc điểm nhân dạng / mặt sau", font=font, fill=(30, 30, 40))
    return cv2.cvtColor(np.array(img), cv2.COLOR_RGB2BGR)


def background(rng: random.Random) -> np.ndarray:
    """A desk-like textured background (BGR)."""
    base = np.array([rng.randrange(40, 200) for _ in range(3)], dtype=np.float32)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    grad = (xx / W - 0.5) * rng.uniform(-60, 60) + (yy / H - 0.5) * rng.uniform(-60, 60)
    white = np.random.default_rng(rng.randrange(2**32)).normal(0, 18, (H, W)).astype(np.float32)
    noise = cv2.GaussianBlur(white, (0, 0), 3)
    bg = base[None, None, :] + (grad + noise)[:, :, None]
    return np.clip(bg, 0, 255).astype(np.uint8)


@dataclass
class Frame:
    """One generated frame and what it shows."""

    image: np.ndarray
    text: str | None
    effects: list[str] = field(default_factory=list)


def place_card(
    bg: np.ndarray, card: np.ndarray, rng: random.Random, small: bool, effects: list[str], attempt: int = 0
) -> np.ndarray:
    """Warp the card onto the background: size, rotation, perspective; the QR stays in view."""
    width = rng.uniform(250, 330) if small else rng.uniform(340, 600)
    if small and attempt == 0:
        effects.append("small")
    height = width * card.shape[0] / card.shape[1]
    angle = np.deg2rad(rng.uniform(-25, 25) if rng.random() < 0.5 else rng.uniform(-6, 6))
    if abs(angle) > np.deg2rad(8) and attempt == 0:
        effects.append("rotation")
    cx = rng.uniform(width / 2 - 10, W - width / 2 + 10)
    cy = rng.uniform(height / 2 - 10, H - height / 2 + 10)
    corners = np.array(
        [
            [-width / 2, -height / 2],
            [width / 2, -height / 2],
            [width / 2, height / 2],
            [-width / 2, height / 2],
        ],
        dtype=np.float32,
    )
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], dtype=np.float32)
    dst = corners @ rot.T + np.array([cx, cy], dtype=np.float32)
    if rng.random() < 0.5:
        if attempt == 0:
            effects.append("perspective")
        dst += np.array(
            [[rng.uniform(-0.08, 0.08) * width, rng.uniform(-0.08, 0.08) * height] for _ in range(4)],
            dtype=np.float32,
        )
    src = np.array(
        [[0, 0], [card.shape[1], 0], [card.shape[1], card.shape[0]], [0, card.shape[0]]], dtype=np.float32
    )
    m = cv2.getPerspectiveTransform(src, dst)
    qr_box = np.array(
        [
            [
                [card.shape[1] - 250, 80],
                [card.shape[1] - 20, 80],
                [card.shape[1] - 20, 310],
                [card.shape[1] - 250, 310],
            ]
        ],
        dtype=np.float32,
    )
    qr_corners = cv2.perspectiveTransform(qr_box, m)[0]
    inside = (qr_corners >= 2).all() and (qr_corners[:, 0] < W - 2).all() and (qr_corners[:, 1] < H - 2).all()
    if not inside and attempt < 30:  # the kiosk's guide frame keeps the QR in view: place again
        return place_card(bg, card, rng, small, effects, attempt + 1)
    warped = cv2.warpPerspective(card, m, (W, H), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.full(card.shape[:2], 255, np.uint8), m, (W, H), flags=cv2.INTER_AREA)
    alpha = (mask.astype(np.float32) / 255)[:, :, None]
    return (warped * alpha + bg * (1 - alpha)).astype(np.uint8)


def degrade(img: np.ndarray, rng: random.Random, effects: list[str]) -> np.ndarray:
    """Camera defects, each with its own probability."""
    out: np.ndarray = img.astype(np.float32)
    if rng.random() < 0.35:
        sigma = rng.uniform(0.6, 1.6)
        effects.append(f"blur{sigma:.1f}")
        out = cv2.GaussianBlur(out, (0, 0), sigma)
    if rng.random() < 0.15:
        length = rng.randrange(3, 6)
        effects.append(f"motion{length}")
        kernel: np.ndarray = np.zeros((length, length), np.float32)
        kernel[length // 2, :] = 1 / length
        rot = cv2.getRotationMatrix2D((length / 2 - 0.5, length / 2 - 0.5), rng.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        out = cv2.filter2D(out, -1, kernel / max(kernel.sum(), 1e-6))
    if rng.random() < 0.3:
        effects.append("glare")
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        gx, gy = rng.uniform(100, 540), rng.uniform(80, 400)
        r = rng.uniform(40, 130)
        spot = np.exp(-(((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r))) * rng.uniform(80, 170)
        out = out + spot[:, :, None]
    if rng.random() < 0.35:
        gain = rng.uniform(0.2, 0.5)
        effects.append(f"lowlight{gain:.2f}")
        out = out * gain
    if rng.random() < 0.4:
        sigma = rng.uniform(3, 12)
        effects.append(f"noise{sigma:.0f}")
        out = out + np.random.default_rng(rng.randrange(2**32)).normal(0, sigma, out.shape).astype(np.float32)
    return np.clip(out, 0, 255).astype(np.uint8)


def make_frame(rng: random.Random, with_qr: bool = True) -> Frame:
    """One frame: a card (with or without QR, or none) on a desk, through a camera."""
    effects: list[str] = []
    bg = background(rng)
    person = invent_person(rng) if with_qr else None
    if with_qr or rng.random() < 0.6:
        img = place_card(bg, card_image(person, rng), rng, with_qr and rng.random() < 0.25, effects)
    else:
        img = bg
        effects.append("empty")
    img = degrade(img, rng, effects)
    return Frame(img, person.payload() if person else None, effects)


def generate(out: Path, count: int, seed: int, no_qr_share: float = 0.2) -> list[dict[str, object]]:
    """Write `count` frames and manifest.json into `out`; return the manifest."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    manifest: list[dict[str, object]] = []
    for n in range(count):
        frame = make_frame(rng, with_qr=rng.random() >= no_qr_share)
        if rng.random() < 0.5:
            quality = rng.randrange(30, 90)
            frame.effects.append(f"jpeg{quality}")
            name = f"{n:03d}.jpg"
            cv2.imwrite(str(out / name), frame.image, [cv2.IMWRITE_JPEG_QUALITY, quality])
        else:
            name = f"{n:03d}.png"
            cv2.imwrite(str(out / name), frame.image)
        manifest.append({"image": name, "text": frame.text, "effects": frame.effects})
    text = json.dumps(manifest, ensure_ascii=False, indent=1) + "\n"
    (out / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def receipt_image(code: str, appointment: date, rng: random.Random) -> np.ndarray:
    """A one-stop dossier receipt (A5-like paper) with the dossier QR, as a BGR array."""
    pw, ph = 600, 420
    img = Image.new("RGB", (pw, ph), (250, 250, 246))
    draw = ImageDraw.Draw(img)
    bold = ImageFont.truetype(str(FONT_BOLD), 22)
    font = ImageFont.truetype(str(FONT), 18)
    draw.text((30, 20), "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", font=bold, fill=(20, 20, 20))
    draw.text((30, 52), "(MẪU THỬ – KHÔNG CÓ GIÁ TRỊ)", font=font, fill=(90, 20, 20))
    lines = [
        f"Mã hồ sơ: {code}",
        "Thủ tục: Cấp bản sao trích lục (mẫu)",
        f"Hẹn trả: {appointment.strftime('%d/%m/%Y')}",
        "Người nộp: Nguyễn Văn Mẫu",
    ]
    for n, line in enumerate(lines):
        draw.text((30, 110 + 40 * n), line, font=font, fill=(20, 20, 20))
    qr = Image.fromarray(qr_image(f"{code}|{appointment.strftime('%d/%m/%Y')}", 5)).convert("RGB")
    img.paste(qr.resize((170, 170), Image.Resampling.NEAREST), (pw - 200, 200))
    return cv2.cvtColor(np.array(img), cv2.COLOR_RGB2BGR)


def write_demo_samples(out: Path, seed: int = 2024) -> list[str]:
    """The simulated camera's images for `make run`: two invented ID cards, a receipt, an empty desk.

    Mild defects only (a demo should read at once); each file is a small JPEG.
    """
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    names = []
    for n, new_format in enumerate((False, True), start=1):
        person = invent_person(rng)
        person.new_format = new_format
        person.issue = date(2024, 9, 12) if new_format else date(2021, 5, 10)
        effects: list[str] = []
        img = place_card(background(rng), card_image(person, rng), rng, False, effects)
        img = cv2.GaussianBlur(img, (0, 0), 0.6)
        name = f"{n}-cccd-{'2024' if new_format else '2021'}-format.jpg"
        cv2.imwrite(str(out / name), img, [cv2.IMWRITE_JPEG_QUALITY, 80])
        names.append(name)
    receipt = receipt_image("000.00.12.H26-261120-0042", date(2026, 11, 27), rng)
    img = place_card(background(rng), receipt, rng, False, [])
    cv2.imwrite(str(out / "3-dossier-receipt.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 80])
    cv2.imwrite(str(out / "4-no-code.jpg"), background(rng), [cv2.IMWRITE_JPEG_QUALITY, 80])
    names += ["3-dossier-receipt.jpg", "4-no-code.jpg"]
    return names


def main(argv: list[str] | None = None) -> None:
    """Command line: generate a frame set."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=REPO / "var" / "bench" / "cccd-frames")
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-qr-share", type=float, default=0.2)
    parser.add_argument(
        "--demo-samples",
        type=Path,
        metavar="DIR",
        help="write the simulated camera's demo images (assets/camera-samples) instead",
    )
    args = parser.parse_args(argv)
    if args.demo_samples:
        print("wrote", ", ".join(write_demo_samples(args.demo_samples)))
        return
    manifest = generate(args.out, args.count, args.seed, args.no_qr_share)
    print(f"{len(manifest)} frames in {args.out}")


if __name__ == "__main__":
    main()
