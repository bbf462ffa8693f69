"""Write docs/cli.md, the reference of every command and option, and the man page
docs/insertadvisor.1, both from the CLI's own --help.

    python docs/generate_cli_md.py           rewrite docs/cli.md and docs/insertadvisor.1
    python docs/generate_cli_md.py --check   exit 1 if either is stale

The man page is shipped in the wheel (share/man/man1, pyproject.toml), so `man
insertadvisor` works where the package is installed.

The commands are found by reading each help's "Commands:" list, so a command added later
is documented without touching this script. Help is rendered at a fixed width (COLUMNS)
so the files do not depend on the terminal they were made in. tests/test_docs.py fails
when either is stale.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
TARGET = DOCS / "cli.md"
MAN = DOCS / "insertadvisor.1"
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
    """The names in a help's "Commands:" section, in the order shown (the section ends at
    a blank line: the epilog may follow it)."""
    names, inside = [], False
    for line in text.splitlines():
        if line.strip() == "Commands:":
            inside = True
        elif inside and line.startswith("  ") and not line.startswith("   "):
            names.append(line.split()[0])
        elif inside and not line.startswith("   "):
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


def render(helps: list[tuple[list[str], str]] | None = None) -> str:
    helps = command_helps() if helps is None else helps
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


# --- the man page -----------------------------------------------------------------------

# What --help does not say, in the man page's own sections. The names are those the
# program reads (environment.py, regions.py, cli.py); docs/cli.md has the rest.
ENVIRONMENT = [
    ("INSERTADVISOR_RULES", "The rule-set folder, when --rules is not given."),
    ("INSERTADVISOR_REGION", "The region (phone numbers, services), when neither --region "
                             "nor the answers give one."),
    ("INSERTADVISOR_CACHE_DIR", "Where compiled rule sets are cached (default: "
                                "$XDG_CACHE_HOME/insertadvisor)."),
    ("INSERTADVISOR_PLAIN", "Plain output, as --plain (any value but empty or 0)."),
    ("INSERTADVISOR_DEBUG", "1: show the traceback of an internal error, as --debug."),
    ("NO_COLOR", "Never use colour."),
    ("TERM", "dumb: no colour, plain output."),
    ("COLUMNS", "The width to wrap to (never wider than the terminal)."),
]
EXIT_STATUS = [("0", "success, whatever the triage level"),
               ("1", "internal error, or the output could not be written"),
               ("2", "bad input: flags, an answers file, a batch record"),
               ("3", "invalid rule set"), ("130", "interrupted")]


def _roff(text: str) -> str:
    """Text for roff: backslashes escaped, and no line read as a request."""
    out = []
    for line in text.replace("\\", "\\e").splitlines():
        out.append("\\&" + line if line.startswith((".", "'")) else line)
    return "\n".join(out)


def render_man(helps: list[tuple[list[str], str]] | None = None) -> str:
    """The man page: each command's --help as it prints, under the sections man readers
    look for."""
    helps = command_helps() if helps is None else helps
    version = _version()
    root = helps[0][1]
    summary = " ".join([p for p in root.split("\n\n") if p.strip()][1].split())
    lines = [
        '.\\" Generated from --help by docs/generate_cli_md.py; do not edit by hand.',
        f'.TH INSERTADVISOR 1 "" "insertadvisor {version}" "User Commands"',
        ".SH NAME",
        f"insertadvisor \\- {_roff(summary[:1].lower() + summary[1:].rstrip('.'))}",
        ".SH SYNOPSIS",
        ".B insertadvisor",
        "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        "Every command and option, exactly as \\fB--help\\fR prints them. The same text is",
        "in docs/cli.md.",
    ]
    for path, text in helps:
        lines += [".SS " + " ".join(["insertadvisor", *path]), ".nf", _roff(text.rstrip("\n")),
                  ".fi"]
    lines += [".SH EXIT STATUS", *[f".TP\n.B {code}\n{what}" for code, what in EXIT_STATUS],
              ".SH ENVIRONMENT", *[f".TP\n.B {name}\n{_roff(what)}" for name, what in ENVIRONMENT],
              ".SH SEE ALSO", "README.md and docs/ in the source distribution: docs/cli.md "
              "(this reference), docs/rules.md (the rule format), docs/batch.md.",
              ".SH BUGS", f"Report bugs {_report_to()}, with the command you ran and what",
              "\\fBinsertadvisor -V\\fR prints."]
    return "\n".join(lines) + "\n"


def _version() -> str:
    return help_text_of(["--version"]).splitlines()[0].split()[-1]


def _report_to() -> str:
    done = subprocess.run([sys.executable, "-c", "from insertadvisor.cli import report_to; "
                           "print(report_to())"], capture_output=True, text=True, check=True,
                          timeout=60)
    return done.stdout.strip()


def help_text_of(args: list[str]) -> str:
    env = dict(os.environ, COLUMNS=WIDTH, NO_COLOR="1", TERM="dumb")
    env.pop("INSERTADVISOR_RULES", None)
    return subprocess.run([sys.executable, "-m", "insertadvisor", *args], capture_output=True,
                          text=True, env=env, check=True, timeout=60).stdout


def main(argv: list[str]) -> int:
    helps = command_helps()
    stale = []
    for target, text in ((TARGET, render(helps)), (MAN, render_man(helps))):
        if "--check" in argv:
            if not target.exists() or target.read_text(encoding="utf-8") != text:
                stale.append(target)
            continue
        target.write_text(text, encoding="utf-8")
        sys.stdout.write(f"wrote {target}\n")
    for target in stale:
        sys.stderr.write(f"{target} is stale; run: {REGENERATE}\n")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
