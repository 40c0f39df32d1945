"""QR decoding: our pipeline against single decoders, measured in the same run on the same frames.

Sets: the real photo set in ../shared/qr-samples (zxing blackbox photos, Apache-2.0; skipped if
absent), the same photos degraded four ways (half size, defocus, dark and noisy, inverted), and
generated ID-card frames of invented people (bench/make_cccd_frames.py; made on first
use in var/bench/cccd-frames). Per decoder: frames read / frames with a QR, and CPU milliseconds
per frame (thread CPU time on one core, OpenCV limited to one thread, so the other engineers'
load on this shared machine does not inflate the figures), on frames with a QR and on frames
without one.

    python -m bench camera                   # full run
    BENCH_CAMERA_LIMIT=40 python -m bench camera   # first 40 frames of each set (development)
    BENCH_CAMERA_REPEAT=3 python -m bench camera   # least CPU time of 3 runs per frame (loaded machine)
"""

from __future__ import annotations

import csv
import json
import os
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import zxingcpp

from bench.common import percentile, print_table, write_results
from bench.make_cccd_frames import generate
from drivers.camera.config import CameraConfig
from drivers.camera.pipeline import QrDecoder, to_gray

REPO = Path(__file__).resolve().parent.parent
REAL_SET = REPO.parent / "shared" / "qr-samples"
GEN_DIR = REPO / "var" / "bench"
# Seed 7: the set the pipeline was developed on. Seed 4321: never looked at frame by frame while
# tuning, to show how the pipeline does on frames it has not seen. Seed 9001: a second held-out
# set added in the third round (only its totals were looked at).
GEN_SETS = {"tuning": (7, 200), "held-out": (4321, 120), "held-out 2": (9001, 120)}
# A live camera: CPU per second of video is the mean cost per frame times the frames decoded.
CAMERA_FPS = 30.0

Frame = tuple[str, np.ndarray, str | None]  # name, BGR image, expected text (None: no QR)
Reader = Callable[[np.ndarray], list[str]]


def load_real() -> list[Frame]:
    """The photographed set with expected payloads, or [] when absent."""
    manifest = REAL_SET / "manifest.csv"
    if not manifest.exists():
        print(f"(real photo set not found at {REAL_SET}: skipped)")
        return []
    frames: list[Frame] = []
    for row in csv.DictReader(manifest.open(encoding="utf-8")):
        image = cv2.imread(str(REAL_SET / row["image"]), cv2.IMREAD_COLOR)
        if image is not None:
            expected = (REAL_SET / row["expected_file"]).read_bytes().decode("utf-8")
            frames.append((row["image"], image, expected))
    return frames


def degrade_real(frames: list[Frame]) -> list[Frame]:
    """The real photos made harder four ways: half size, 1.2 px defocus, dark + noisy, inverted."""
    rng = np.random.default_rng(11)

    def dark(image: np.ndarray) -> np.ndarray:
        noisy = image.astype(np.float32) * 0.3 + rng.normal(0, 6, image.shape)
        return np.clip(noisy, 0, 255).astype(np.uint8)

    kinds: dict[str, Callable[[np.ndarray], np.ndarray]] = {
        "half": lambda im: cv2.resize(im, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
        "blur1.2": lambda im: cv2.GaussianBlur(im, (0, 0), 1.2),
        "dark+noise": dark,
        "inverted": lambda im: cv2.bitwise_not(im),
    }
    return [
        (f"{name}:{kind}", change(image), text)
        for kind, change in kinds.items()
        for name, image, text in frames
    ]


def load_generated(seed: int, count: int) -> list[Frame]:
    """Generated ID-card frames (made once per seed in var/bench/, deterministic)."""
    folder = GEN_DIR / f"cccd-frames-{seed}"
    manifest = folder / "manifest.json"
    if not manifest.exists() or len(json.loads(manifest.read_text(encoding="utf-8"))) != count:
        print(f"generating {count} ID-card frames in {folder.relative_to(REPO)} ...")
        generate(folder, count, seed)
    frames: list[Frame] = []
    for entry in json.loads(manifest.read_text(encoding="utf-8")):
        image = cv2.imread(str(folder / entry["image"]), cv2.IMREAD_COLOR)
        if image is not None:
            frames.append((entry["image"], image, entry["text"]))
    return frames


def peers() -> dict[str, Reader]:
    """Single decoders to compare with, each as it would be used out of the box."""
    out: dict[str, Reader] = {}

    def zxing(gray: np.ndarray) -> list[str]:
        return [
            r.text
            for r in zxingcpp.read_barcodes(
                gray,
                formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode),
                text_mode=zxingcpp.TextMode.Plain,
            )
        ]

    out["zxing-cpp"] = zxing
    detector = cv2.QRCodeDetector()

    def opencv(gray: np.ndarray) -> list[str]:
        try:
            text, _, _ = detector.detectAndDecode(gray)
        except (cv2.error, UnicodeDecodeError):  # OpenCV 5 raises on non-UTF-8 / unsupported modes
            return []
        return [text] if text else []

    out["opencv QRCodeDetector"] = opencv
    if hasattr(cv2, "QRCodeDetectorAruco"):
        aruco = cv2.QRCodeDetectorAruco()

        def opencv_aruco(gray: np.ndarray) -> list[str]:
            try:
                text, _, _ = aruco.detectAndDecode(gray)
            except (cv2.error, UnicodeDecodeError):
                return []
            return [text] if text else []

        out["opencv QRCodeDetectorAruco"] = opencv_aruco
    if hasattr(cv2, "wechat_qrcode_WeChatQRCode"):
        wechat = cv2.wechat_qrcode_WeChatQRCode()

        def wechat_read(gray: np.ndarray) -> list[str]:
            texts, _ = wechat.detectAndDecode(gray)
            return list(texts)

        out["opencv WeChat"] = wechat_read
    else:
        print("(OpenCV WeChat detector not in the installed opencv build: not measured)")
    try:
        from pyzbar import pyzbar

        def zbar(gray: np.ndarray) -> list[str]:
            found = pyzbar.decode(gray, symbols=[pyzbar.ZBarSymbol.QRCODE])
            return [r.data.decode("utf-8", "replace") for r in found]

        out["pyzbar"] = zbar
    except (ImportError, OSError) as err:
        print(f"(pyzbar unavailable: {err})")
    return out


def measure(
    name: str, reader: Reader, frames: list[Frame], stages: Counter[str] | None = None, repeat: int = 1
) -> dict[str, Any]:
    """Decode every frame; CPU ms per frame (the least of `repeat` runs, so other engineers'
    load on the shared machine counts less), split into frames with and without a QR."""
    with_qr: list[float] = []
    without: list[float] = []
    read = 0
    missed: list[str] = []
    for label, image, expected in frames:
        gray = to_gray(image)  # every decoder gets the same grayscale frame; conversion not timed
        start = time.thread_time()
        texts = reader(gray)
        ms = (time.thread_time() - start) * 1000
        for _ in range(repeat - 1):
            start = time.thread_time()
            reader(gray)
            ms = min(ms, (time.thread_time() - start) * 1000)
        if expected is None:
            without.append(ms)
            continue
        with_qr.append(ms)
        if expected in texts:
            read += 1
        else:
            missed.append(label)
    total = len(with_qr)
    return {
        "decoder": name,
        "read": read,
        "frames": total,
        "rate_pct": 100 * read / total if total else 0.0,
        "median_ms": percentile(with_qr, 50),
        "p95_ms": percentile(with_qr, 95),
        "max_ms": max(with_qr, default=0),
        "mean_ms_all": sum(with_qr + without) / max(1, len(with_qr) + len(without)),
        "noqr_frames": len(without),
        "noqr_median_ms": percentile(without, 50) if without else None,
        "noqr_p95_ms": percentile(without, 95) if without else None,
        "noqr_max_ms": max(without) if without else None,
        "missed": missed,
        **({"stages": dict(stages)} if stages is not None else {}),
    }


def _or_dash(value: float | None) -> float | str:
    return "-" if value is None else value


def main() -> None:
    """Run every decoder over both sets and print/write the comparison."""
    cv2.setNumThreads(1)
    limit = int(os.environ.get("BENCH_CAMERA_LIMIT", "0")) or None
    repeat = max(1, int(os.environ.get("BENCH_CAMERA_REPEAT", "1")))
    real = load_real()[:limit]
    sets = {
        "real photos (zxing blackbox)": real,
        "real photos degraded (half size, 1.2 px blur, dark+noise, inverted)": degrade_real(real),
    }
    for label, (seed, count) in GEN_SETS.items():
        sets[f"generated ID-card frames, VGA, seed {seed} ({label})"] = load_generated(seed, count)[:limit]
    config = CameraConfig()  # the shipped defaults (roi_tiles, budget)
    decoder = QrDecoder(timer=time.thread_time, budget_ms=config.decode_budget_ms, roi_tiles=config.roi_tiles)
    thorough = QrDecoder(
        timer=time.thread_time, budget_ms=config.decode_budget_ms, roi_tiles=config.roi_tiles, thorough=True
    )
    others = peers()
    results: dict[str, list[dict[str, Any]]] = {}
    for set_name, frames in sets.items():
        if not frames:
            continue
        stages: Counter[str] = Counter()

        calls = [0]

        def ours(gray: np.ndarray, stages: Counter[str] = stages, calls: list[int] = calls) -> list[str]:
            found = decoder.decode(gray)
            if found and calls[0] % repeat == 0:  # measure() calls it `repeat` times per frame
                stages[found[0].stage] += 1
            calls[0] += 1
            return [f.text for f in found]

        def ours_thorough(gray: np.ndarray) -> list[str]:
            return [f.text for f in thorough.decode(gray)]

        rows = [measure("pipeline (ours)", ours, frames, stages, repeat)]
        rows += [measure("pipeline --thorough", ours_thorough, frames, repeat=repeat)]
        rows += [measure(name, reader, frames, repeat=repeat) for name, reader in others.items()]
        results[set_name] = rows
        print_table(
            f"{set_name}: {rows[0]['frames']} frames with a QR, {rows[0]['noqr_frames']} without "
            "(CPU ms per frame, one core)",
            ["decoder", "read", "rate %", "median", "p95", "max", "no-QR median", "no-QR p95", "no-QR max"],
            [
                [
                    r["decoder"],
                    f"{r['read']}/{r['frames']}",
                    round(r["rate_pct"], 1),
                    r["median_ms"],
                    r["p95_ms"],
                    r["max_ms"],
                    _or_dash(r["noqr_median_ms"]),
                    _or_dash(r["noqr_p95_ms"]),
                    _or_dash(r["noqr_max_ms"]),
                ]
                for r in rows
            ],
        )
        print(f"  pipeline stages that read: {dict(stages)}")
        # The scanner runs every thorough_every_frames-th decoded frame thorough.
        every = max(1, config.thorough_every_frames)
        mean = (rows[0]["mean_ms_all"] * (every - 1) + rows[1]["mean_ms_all"]) / every
        print(
            f"  a {CAMERA_FPS:.0f} fps camera showing frames like these (every {every}th decoded frame "
            f"thorough): decoding every frame would cost {mean * CAMERA_FPS:.0f} ms CPU per second "
            f"({mean * CAMERA_FPS / 10:.1f} % of a core); at decode_max_fps = {config.decode_max_fps:.0f}: "
            f"{mean * config.decode_max_fps:.0f} ms ({mean * config.decode_max_fps / 10:.1f} %)"
        )
    write_results(
        "camera",
        {
            "limit": limit,
            "repeat": repeat,
            "timer": "thread CPU time",
            "load_average": os.getloadavg(),
            "sets": results,
        },
    )


if __name__ == "__main__":
    main()
