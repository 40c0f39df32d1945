"""`--config` and `--data-dir` after the command words too (`lockerctl staff list --data-dir D`
as well as `lockerctl --data-dir D staff list`): one way for every administration command line."""

from __future__ import annotations

import argparse
from collections.abc import Iterable


def accept_after_command(parsers: Iterable[argparse.ArgumentParser]) -> None:
    """Let each of `parsers` (the command words' own) take `--config` and `--data-dir` too,
    hidden from `--help` (the top-level parser shows them) and stored apart, so neither overwrites
    the other; `config_and_data_dir` reads the two places."""
    for p in parsers:
        p.add_argument("--data-dir", dest="data_dir_late", help=argparse.SUPPRESS)
        p.add_argument("--config", dest="config_late", help=argparse.SUPPRESS)


def config_and_data_dir(args: argparse.Namespace) -> tuple[str | None, str | None]:
    """The `--config` and `--data-dir` given (after the command words winning), None if not."""
    config = getattr(args, "config_late", None) or getattr(args, "config", None)
    data_dir = getattr(args, "data_dir_late", None) or getattr(args, "data_dir", None)
    return config, data_dir
