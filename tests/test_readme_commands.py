"""The commands the README and docs/ show in blocks marked as tested really run.

A fenced code block whose first line is `# tested: tests/test_readme_commands.py` holds commands
a reader can paste. Each `lockerctl …` / `python -m …` line of such a block (optionally fed by
`echo PIN |`, optionally started in the background with a trailing `&`) is run here as written,
in a temporary directory (holding a link to the repository's assets/) with a site config that
puts every file the commands write there, so the docs cannot drift from the command line again.
Port 7001 in a block stands for a free port.
"""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.harness import LOCKERCTL, free_port, wait_until

REPO = Path(__file__).resolve().parent.parent
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
MARK = "# tested: tests/test_readme_commands.py"
DOC_PORT = "7001"
FENCE = re.compile(r"^```[\w-]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
# what a tested block may hold: a locker or module command, nothing else (no rm, no curl)
COMMAND = re.compile(
    r"^(echo [0-9A-Za-z]+ \| )?"
    r"(\.venv/bin/lockerctl|lockerctl|\.venv/bin/python -m|python -m) [^;&|<>`$]*( &)?$"
)
BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Block:
    """One tested code block: where it is and its command lines."""

    doc: Path
    line: int
    commands: tuple[str, ...]

    @property
    def name(self) -> str:
        return f"{self.doc.relative_to(REPO)}:{self.line}"


def code_blocks(doc: Path) -> list[tuple[int, str]]:
    """(line of the opening fence, body) of every fenced block in `doc`."""
    text = doc.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 1, m.group(1)) for m in FENCE.finditer(text)]


def command_lines(body: str) -> list[str]:
    """The body's commands: comments and blank lines dropped, `\\` continuations joined."""
    out: list[str] = []
    pending = ""
    for raw in body.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            pending += line[:-1].strip() + " "
            continue
        out.append(pending + line)
        pending = ""
    return out


def marked_blocks() -> list[Block]:
    """Every block marked as tested in the README and docs/."""
    blocks = []
    for doc in DOCS:
        for line, body in code_blocks(doc):
            if body.lstrip().startswith(MARK):
                blocks.append(Block(doc, line, tuple(command_lines(body))))
    return blocks


def runnable(command: str, port: int) -> str:
    """The doc's command line with this environment's programs and a free port."""
    command = re.sub(rf"\b{DOC_PORT}\b", str(port), command)
    command = re.sub(
        r"(^|\| )(\.venv/bin/)?lockerctl ", lambda m: f"{m.group(1)}{' '.join(LOCKERCTL)} ", command
    )
    return re.sub(r"(^|\| )(\.venv/bin/)?python -m ", lambda m: f"{m.group(1)}{sys.executable} -m ", command)


def site_config(tmp: Path) -> Path:
    """A site file that keeps every file the commands write under `tmp`."""
    (tmp / "assets").symlink_to(REPO / "assets")  # sample images and fonts the commands read
    site = tmp / "site.toml"
    site.write_text(
        f"""
[locker]
data_dir = "{tmp / "locker"}"
kiosk_token_file = "{tmp / "locker" / "kiosk.token"}"
code_key_file = "{tmp / "locker" / "code.key"}"
staff_key_file = "{tmp / "locker" / "staff.key"}"
[locker.sms]
outbox_dir = "{tmp / "sms"}"
[locker.backoffice]
dossiers_file = "{tmp / "backoffice" / "dossiers.json"}"
returned_file = "{tmp / "backoffice" / "returned.jsonl"}"
[printer]
url = "png://{tmp / "printer"}"
[camera]
hash_key_file = "{tmp / "camera" / "id-hash.key"}"
""",
        encoding="utf-8",
    )
    return site


def _first_line(proc: subprocess.Popen[str]) -> list[str]:
    """Read the background command's first output line on a thread (it says it is ready)."""
    got: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        got.append(proc.stdout.readline())

    threading.Thread(target=read, daemon=True).start()
    return got


BLOCKS = marked_blocks()


def test_the_readme_shows_tested_commands() -> None:
    readme = [b for b in BLOCKS if b.doc.name == "README.md"]
    assert readme, f"README.md has no block starting with {MARK!r}"
    assert any("lockerctl staff add" in c for b in readme for c in b.commands)
    for block in BLOCKS:
        assert block.commands, f"{block.name}: a tested block with no command"
        for command in block.commands:
            assert COMMAND.match(command), f"{block.name}: not a command this test runs: {command!r}"


def test_every_staff_add_in_the_docs_reads_the_pin_from_stdin() -> None:
    for doc in DOCS:
        for line, body in code_blocks(doc):
            for command in command_lines(body):
                if "lockerctl staff add" in command:
                    where = f"{doc.relative_to(REPO)}:{line}"
                    assert "--pin-stdin" in command, f"{where}: {command!r} exits 2 without --pin-stdin"


@pytest.mark.slow
@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_tested_block_runs(block: Block, tmp_path: Path) -> None:
    env = {"KIOSK_CONFIG": str(site_config(tmp_path)), "PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(tmp_path)}
    port = free_port()
    background: list[subprocess.Popen[str]] = []
    try:
        for command in block.commands:
            line = runnable(command, port)
            if line.endswith(" &"):
                proc = subprocess.Popen(
                    ["bash", "-c", "exec " + line[:-2]],
                    cwd=tmp_path,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL,
                    text=True,
                )
                background.append(proc)
                started = _first_line(proc)
                wait_until(lambda: started, 30, f"{block.name}: {command!r} to start")
                continue
            done = subprocess.run(
                ["bash", "-c", line], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
            )
            assert done.returncode == 0, (
                f"{block.name}: {command!r} exited {done.returncode}\n{done.stdout}\n{done.stderr}"
            )
    finally:
        for proc in background:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
    if any("lockerctl staff" in c or "lockerctl audit" in c for c in block.commands):
        assert (tmp_path / "locker" / "locker.db").exists(), "the commands did not use the test's data dir"
