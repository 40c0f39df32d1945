"""Load the TOML configuration: `config/default.toml`, then an optional site file over it.

Each process validates only the sections it owns with its own pydantic model, so a typo in
the printer section does not stop the locker daemon, but does stop the kiosk at start with
the key named.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG = REPO_ROOT / "config" / "default.toml"
ENV_CONFIG = "KIOSK_CONFIG"

M = TypeVar("M", bound=BaseModel)


class ConfigError(Exception):
    """The configuration cannot be used; the message names the file and key."""


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def read_toml(path: Path) -> dict[str, Any]:
    """Parse one TOML file; every way it can fail becomes a one-line ConfigError naming the file."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as err:
        raise ConfigError(f"config file not found: {path}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path}: not valid TOML ({err}); fix the line named and start again") from err
    except UnicodeDecodeError as err:
        line = err.object[: err.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: line {line} is not UTF-8 text (byte 0x{err.object[err.start]:02x}); "
            "save the file as UTF-8 and start again"
        ) from err
    except OSError as err:  # a directory, no permission, an I/O error
        raise ConfigError(f"cannot read config file {path}: {err.strerror or err}") from err


def site_file(path: str | Path | None = None) -> Path | None:
    """The site file merged over the default (argument, or $KIOSK_CONFIG), or None when only the
    shipped simulated default is in use."""
    site = path or os.environ.get(ENV_CONFIG)
    if not site:
        return None
    site_path = Path(site)
    return None if site_path.resolve() == DEFAULT_CONFIG.resolve() else site_path


#: Sections of a center whose own `timezone` follows the site's `[center] timezone` unless the
#: site sets theirs (the hub's is the province's, not a center's).
CENTER_TIMEZONE_SECTIONS = ("locker", "queueing", "printer")


def load_raw(path: str | Path | None = None) -> dict[str, Any]:
    """The default config with the site file (argument, or $KIOSK_CONFIG) merged over it.

    Two keys follow another the site sets, unless the site sets them too: each service's
    `timezone` follows `[center] timezone`, and `[queueing.appointments] id_hash_key_file` follows
    `[camera] hash_key_file` (they must be one key, so an ID card finds the booking made with it)."""
    data = read_toml(DEFAULT_CONFIG)
    site_path = site_file(path)
    if site_path is None:
        return data
    site = read_toml(site_path)
    data = _merge(data, site)
    zone = _table(site, "center").get("timezone")
    for name in CENTER_TIMEZONE_SECTIONS:
        if zone is not None and name in data and "timezone" not in _table(site, name):
            _table(data, name)["timezone"] = zone
    camera_key = _table(site, "camera").get("hash_key_file")
    if camera_key is not None and "id_hash_key_file" not in _table(_table(site, "queueing"), "appointments"):
        _table(_table(data, "queueing"), "appointments")["id_hash_key_file"] = camera_key
    return data


def _table(data: dict[str, Any], key: str) -> dict[str, Any]:
    """`data[key]` when it is a table, else an empty one (the section's own check reports it)."""
    node = data.get(key)
    return node if isinstance(node, dict) else {}


def section(data: dict[str, Any], dotted: str) -> dict[str, Any]:
    """Return `data["a"]["b"]` for "a.b", or {} when absent."""
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, dict):
            raise ConfigError(f"[{dotted}] must be a table")
        node = node.get(part, {})
    if not isinstance(node, dict):
        raise ConfigError(f"[{dotted}] must be a table")
    return node


def validate(model: type[M], data: dict[str, Any], where: str) -> M:
    """Validate `data` with `model`; errors name each bad key as `where.key`."""
    try:
        return model.model_validate(data)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            loc = ".".join(str(p) for p in e["loc"])
            key = f"{where}.{loc}" if loc else where
            lines.append(f"  {key}: {e['msg']}")
        raise ConfigError(f"invalid configuration in [{where}]:\n" + "\n".join(lines)) from err


def resolve_path(value: str | Path, base: Path = REPO_ROOT) -> Path:
    """Config paths are relative to the repository root unless absolute."""
    p = Path(value)
    return p if p.is_absolute() else base / p


#: What a gateway's token file must hold (the SMS provider's, the back office's).
GATEWAY_TOKEN_HINT = "put the provider's token in it (one line, chmod 600, owned by the service's user)"


def read_token_file(value: str, key: str, hint: str) -> str:
    """The token in the file a config key names (one line, stripped; "" when the key is empty),
    or ConfigError naming the key and the file, then `hint`: what to put there."""
    if not value:
        return ""
    path = resolve_path(value)
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as err:
        raise ConfigError(f"{key} {path}: cannot read it ({err.strerror or err}); {hint}") from err


def ensure_writable_dir(path: Path, key: str) -> None:
    """Create `path` if needed and prove it writable, or raise a one-line ConfigError naming `key`.

    Creating and removing a scratch file is the only honest test: permission bits say nothing to
    root, and a read-only mount or a full disk shows only when something is written.
    """
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as err:
        raise ConfigError(
            f"cannot write to the data directory {path} ({key}): {err.strerror or err}; "
            "create it and give this service's user write access, or set another directory"
        ) from err
