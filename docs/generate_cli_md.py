"""Write docs/cli.md, the reference of every command and option, from the CLI's own --help.

    python docs/generate_cli_md.py           rewrite docs/cli.md
    python docs/generate_cli_md.py --check   exit 1 if docs/cli.md is stale

The commands are found by reading each help's "Commands:" list, so a command added later
is documented without touching this script. Help is rendered at a fixed width (COLUMNS)
so the file does not depend on the terminal it was made in. tests/test_docs.py fails
when the file is stale.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
TARGET = DOCS / "cli.md"
WIDTH = "80"
REGENERATE = "python docs/generate_cli_md.py"


def help_text(path: list[str]) -> str:
    """`insertadvisor <path> --help`, as a person sees it in an 80-column terminal."""
    env = dict(os.environ, COLUMNS=WIDTH, LINES="50", NO_COLOR="1", TERM="dumb")
    env.pop("INSERTADVISOR_RULES", None)
    done = subprocess.run([sys.executable, "-m", "insertadvisor", *path, "--help"],
                          capture_output=True, text=True, env=env, check=False, timeout=60)
    if done.returncode != 0:
        raise RuntimeError(f"insertadvisor {' '.join(path)} --help failed: {done.stderr}")
    return done.stdout


def subcommands(text: str) -> list[str]:
    """The names in a help's "Commands:" section, in the order shown."""
    names, inside = [], False
    for line in text.splitlines():
        if line.strip() == "Commands:":
            inside = True
        elif inside and line.startswith("  ") and not line.startswith("   "):
            names.append(line.split()[0])
        elif inside and line.strip() and not line.startswith(" "):
            inside = False
    return names


def command_helps() -> list[tuple[list[str], str]]:
    """([], root help), then every command and subcommand, depth first, in help order."""
    out: list[tuple[list[str], str]] = []

    def visit(path: list[str]) -> None:
        text = help_text(path)
        out.append((path, text))
        for name in subcommands(text):
            visit([*path, name])

    visit([])
    return out


def render() -> str:
    helps = command_helps()
    lines = [
        "# insertadvisor command-line reference",
        "",
        "<!-- Generated from `--help`; do not edit by hand. Regenerate with",
        f"     `{REGENERATE}`; tests/test_docs.py fails when this file is stale. -->",
        "",
        "Every command and option, exactly as `--help` prints them. Exit codes: 0 success,",
        "1 internal error, 2 bad input (flags, answers file, a batch record), 3 invalid rule",
        "set, 130 interrupted.",
        "",
    ]
    lines += [f"- [`{' '.join(['insertadvisor', *path])}`](#{_anchor(path)})"
              for path, _ in helps]
    lines.append("")
    for path, text in helps:
        lines += [f"## {' '.join(['insertadvisor', *path])}", "", "```text",
                  text.rstrip("\n"), "```", ""]
    return "\n".join(lines)


def _anchor(path: list[str]) -> str:
    return "-".join(["insertadvisor", *path]).lower()


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text:
            sys.stderr.write(f"{TARGET} is stale; run: {REGENERATE}\n")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {TARGET}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
