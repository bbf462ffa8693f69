"""The report as plain text: for pipes, files, screen readers and terminals without colour.

No boxes and no rules: headings as words, one blank line between sections. No Rich here,
so a report piped to a file costs no more than the JSON path.
"""

from __future__ import annotations

import textwrap

from insertadvisor.report import Entry, Report

WIDTH = 78


def _wrap(text: str, width: int, indent: str = "", hang: str = "") -> list[str]:
    return textwrap.wrap(text, width=max(width, 20), initial_indent=indent,
                         subsequent_indent=hang or " " * len(indent),
                         break_on_hyphens=False) or [indent]


def _entry(entry: Entry, width: int) -> list[str]:
    head, *details = entry.words()
    lines = _wrap(head, width, "  - ")
    for detail in details:
        lines += _wrap(detail, width, "      - ", "        ") if entry.list_items else \
            _wrap(detail, width, "      ")
    return lines


def render(report: Report, width: int = WIDTH, *, repeat_main: bool = False) -> str:
    """The whole report as plain text; `repeat_main` ends it with the main action again,
    so the line that matters is the last one a short screen shows."""
    lines = _wrap(report.main_action, width)
    for section in report.sections:
        if section.id != "main":
            lines += ["", *_wrap(section.heading, width)]
        for entry in section.entries:
            lines += _entry(entry, width)
    lines += ["", *_wrap(report.disclaimer, width)]
    if repeat_main:
        lines += ["", *_wrap(report.main_action, width)]
    return "\n".join(lines) + "\n"
