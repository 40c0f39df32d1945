"""--config and --data-dir before or after the command words (common/cli_options.py)."""

from __future__ import annotations

import argparse

from common.cli_options import accept_after_command, config_and_data_dir


def _parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    top = argparse.ArgumentParser(prog="tool")
    top.add_argument("--config")
    top.add_argument("--data-dir")
    listing = top.add_subparsers(dest="command", required=True).add_parser("list")
    accept_after_command([listing])
    return top, listing


def test_the_options_count_before_or_after_the_command_words() -> None:
    top, _ = _parsers()
    assert config_and_data_dir(top.parse_args(["list"])) == (None, None)
    before = top.parse_args(["--config", "a.toml", "--data-dir", "d", "list"])
    after = top.parse_args(["list", "--data-dir", "d", "--config", "a.toml"])
    assert config_and_data_dir(before) == config_and_data_dir(after) == ("a.toml", "d")


def test_after_the_command_words_wins_and_help_shows_them_once() -> None:
    top, listing = _parsers()
    both = top.parse_args(["--data-dir", "early", "list", "--data-dir", "late"])
    assert config_and_data_dir(both) == (None, "late")
    assert config_and_data_dir(argparse.Namespace()) == (None, None)
    assert "--data-dir" in top.format_help() and "--data-dir" not in listing.format_help()
