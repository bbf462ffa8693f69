"""The report as Markdown, for notes and tickets."""

from __future__ import annotations

from datetime import date

from insertadvisor.report import Entry, Report


def _md(text: str) -> str:
    for char in "\\`*_[]<>|#":
        text = text.replace(char, "\\" + char)
    return text


def _entry(entry: Entry) -> list[str]:
    head = f"**{_md(entry.label)}:** {_md(entry.text)}" if entry.label else _md(entry.text)
    return [f"- {head}", *(f"  - {_md(d)}" for d in entry.details)]


def to_markdown(report: Report, title: str, made: date | None = None) -> str:
    made = made or date.today()
    lines = [f"# {_md(title)}", "", f"**{_md(report.main_action)}**", ""]
    for section in report.sections:
        if section.id != "main":
            lines += [f"## {_md(section.heading)}", ""]
        for entry in section.entries:
            lines += _entry(entry)
        lines.append("")
    lines += [f"*{_md(report.disclaimer)}*", "", made.isoformat(), ""]
    return "\n".join(lines)
