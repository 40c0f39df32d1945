"""Decode QR codes from image files, or test a camera live, printing one JSON line per result.

    python -m drivers.camera.decode IMAGE...            {"image", "text", "ms"} per image
    python -m drivers.camera.decode --cccd IMAGE...     + "kind" and the parsed fields
    python -m drivers.camera.decode --device 0 --live   a technician's camera test (Ctrl-C stops)

Parsed ID card fields show the masked ID, never the full number or the hash. `--live` prints
camera state changes and every classified result (no raw text: it may be an ID card).
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import cv2

from drivers.camera.cccd import IdHasher
from drivers.camera.config import CameraConfig, load_camera_config
from drivers.camera.model import CameraState, ScanResult
from drivers.camera.payload import PayloadClassifier
from drivers.camera.pipeline import QrDecoder, decoder_for
from drivers.camera.scanner import open_scanner

# The CLI only displays parsed fields (masked ID, no hash), so a throwaway key is enough.
_DISPLAY_KEY = b"decode-cli-display-only-key-0000"


def describe(result: ScanResult) -> dict[str, Any]:
    """A JSON-friendly view of a classified result, without the full ID number or its hash."""
    out: dict[str, Any] = {"kind": result.kind}
    if result.cccd is not None:
        c = result.cccd
        out["cccd"] = {
            "id_masked": c.id_masked,
            "full_name": c.full_name,
            "birth_date": c.birth_date.isoformat(),
            "gender": c.gender,
            "issue_date": c.issue_date.isoformat(),
            "old_id_present": c.old_id_present,
        }
    if result.staff is not None:
        out["staff"] = {"staff_id": result.staff.staff_id}
    if result.dossier is not None:
        d = result.dossier
        out["dossier"] = {
            "dossier_code": d.dossier_code,
            "appointment": d.appointment.isoformat() if d.appointment else None,
        }
    if result.reason:
        out["reason"] = str(result.reason)
    return out


def decode_files(paths: list[Path], *, cccd: bool, decoder: QrDecoder, classifier: PayloadClassifier) -> int:
    """Print one line per image; exit status 0 if every image was read, 1 otherwise."""
    status = 0
    for path in paths:
        line: dict[str, Any] = {"image": str(path), "text": None, "ms": 0.0}
        frame = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if frame is None:
            line["error"] = "not a readable image"
            status = 1
        else:
            start = time.perf_counter()
            found = decoder.decode(frame)
            line["ms"] = round((time.perf_counter() - start) * 1000, 3)
            if found:
                line["text"] = found[0].text
                line["stage"] = found[0].stage
                if cccd:
                    line.update(describe(classifier.classify(found[0].raw)))
            else:
                status = 1
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return status


def live(config: CameraConfig, seconds: float | None, stats_every_s: float = 2.0) -> int:
    """Run the scanner on the configured source; print states, results and stats until stopped.

    Every `stats_every_s` a line with the frame rate, the decode time, the brightness and a
    sharpness figure (variance of the Laplacian) helps a technician aim, light and focus.
    """
    scanner = open_scanner(config, hash_key=_DISPLAY_KEY)
    frames = 0
    lock = threading.Lock()

    def on_frame(_frame: object) -> None:
        nonlocal frames
        with lock:
            frames += 1

    def on_state(state: CameraState) -> None:
        print(json.dumps({"state": str(state)}), flush=True)

    def on_result(result: ScanResult) -> None:
        print(json.dumps(describe(result), ensure_ascii=False), flush=True)

    scanner.start(on_result, on_frame, on_state)
    pause = threading.Event()  # never set: waits are interrupted by Ctrl-C only
    deadline = None if seconds is None else time.monotonic() + seconds
    last_frames = last_decoded = 0
    try:
        while deadline is None or time.monotonic() < deadline:
            wait_s = stats_every_s if deadline is None else min(stats_every_s, deadline - time.monotonic())
            pause.wait(max(0.0, wait_s))
            if wait_s < stats_every_s:
                break
            s = scanner.stats()
            print(
                json.dumps(
                    {
                        "fps": round((s.frames - last_frames) / stats_every_s, 1),
                        "decoded_fps": round((s.decoded - last_decoded) / stats_every_s, 1),
                        "decode_ms_last": round(s.decode_ms_last, 2),
                        "decode_ms_max": round(s.decode_ms_max, 2),
                        "brightness": round(s.brightness),
                        "sharpness": round(s.sharpness),
                        "results": s.results,
                        "source": s.source,
                    }
                ),
                flush=True,
            )
            last_frames, last_decoded = s.frames, s.decoded
    except KeyboardInterrupt:
        pass
    finally:
        scanner.stop()
    print(json.dumps({"preview_frames": frames}), flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(
        prog="python -m drivers.camera.decode",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("images", nargs="*", type=Path, help="image files to decode")
    parser.add_argument("--cccd", action="store_true", help="also classify and parse each payload")
    parser.add_argument(
        "--device",
        help="camera source for --live (e.g. 0, /dev/video0, rtsp://..., "
        "folder:DIR); default: [camera] source",
    )
    parser.add_argument("--live", action="store_true", help="scan from the camera until Ctrl-C")
    parser.add_argument("--seconds", type=float, help="with --live: stop after this many seconds")
    parser.add_argument("--zbar", action="store_true", help="enable the zbar stage")
    parser.add_argument(
        "--thorough",
        action="store_true",
        help="run the retries for defocused codes on every image/frame (a few "
        "more read, ~3 ms more per unreadable frame)",
    )
    args = parser.parse_args(argv)

    config = load_camera_config()
    if args.device:
        config = config.model_copy(update={"source": args.device})
    if args.zbar:
        config = config.model_copy(update={"use_zbar": True})
    if args.thorough:
        config = config.model_copy(update={"thorough_every_frames": 1})
    if args.live:
        return live(config, args.seconds)
    if not args.images:
        parser.error("give image files, or --live")
    decoder = decoder_for(config)
    classifier = PayloadClassifier(IdHasher(_DISPLAY_KEY), config.dossier_pattern, config.staff_card_pattern)
    return decode_files(args.images, cccd=args.cccd, decoder=decoder, classifier=classifier)


if __name__ == "__main__":
    sys.exit(main())
