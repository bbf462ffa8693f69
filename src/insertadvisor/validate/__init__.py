"""Strict validation: from the YAML files of a rule set to a compiled Ruleset, or every problem.

Each problem is located as `file:line:column` and, where a known name is close, says which
one was probably meant. Nothing is assumed: unknown keys, facts, values and placeholders,
wrong types and duplicate ids are all reported. The rule set is read in this order, each
part from its own module: the files merged (files), sources, regions, levels and the
report's wording (wording), questions (questions), derived facts and the tables the
pipeline declares (tables), the interview (questions), invariants (invariants) and the
test cases (cases).
"""

from __future__ import annotations

from insertadvisor.errors import Problem
from insertadvisor.model import Ruleset
from insertadvisor.validate.cases import read_cases
from insertadvisor.validate.files import merge
from insertadvisor.validate.invariants import read_invariants
from insertadvisor.validate.questions import read_interview, read_questions, read_words
from insertadvisor.validate.reporter import Doc, Reporter
from insertadvisor.validate.tables import Facts, read_derived, read_tables
from insertadvisor.validate.wording import (
    check_text,
    placeholders,
    read_insert_labels,
    read_levels,
    read_regions,
    read_report,
    read_sources,
)

__all__ = ["Doc", "build", "yaml_message"]


def build(docs: list[Doc], sha256: str, *,
          incomplete: bool = False) -> tuple[Ruleset | None, list[Problem]]:
    """Validate every file; the compiled rule set (None if there was any problem) and the
    problems. `incomplete`: some files could not be read (their problems are reported by
    the caller), so what is missing from the whole is not reported."""
    out = Reporter(incomplete=incomplete)
    merged = merge(docs, out)
    # A file whose layout is wrong may hold what the rest refers to: report no follow-ons.
    out.incomplete = out.incomplete or bool(out.problems)
    values = merged.values
    name = out.text(merged.origin["name"], merged.origin["name"].data, "name", "the rule set") \
        if "name" in values else ""
    version = values.get("version")
    if "version" in values and not isinstance(version, str):
        doc = merged.origin["version"]
        out.at_value(doc, doc.data, "version",
                     f"`version` must be text; quote it, as in version: \"{version}\"")
    texts = {key: out.text(merged.origin[key], merged.origin[key].data, key, "the rule set",
                           required=key == "disclaimer") if key in values else ""
             for key in ("description", "disclaimer")}
    sources = read_sources(merged, out)
    regions, default_region = read_regions(merged, sources, out)
    allowed = placeholders(regions)
    if texts["disclaimer"]:
        doc = merged.origin["disclaimer"]
        check_text(doc, doc.data, "disclaimer", texts["disclaimer"], allowed, out)
    levels = read_levels(merged, sources, allowed, out)
    insert_labels = read_insert_labels(merged, allowed, out)
    report = read_report(merged, allowed, out)
    questions = read_questions(merged, allowed, regions, default_region, out)
    words = read_words(merged, questions, out)
    facts = Facts(questions)
    derived = read_derived(merged, facts, sources, out)
    interview = read_interview(merged, questions, derived,
                               {stage: dict(known) for stage, known in facts.stage.items()},
                               allowed, out)
    tables = read_tables(merged, facts, sources, allowed, report.topics, out)
    invariants = read_invariants(merged, facts, tables, regions, sources, out, levels)
    tests = read_cases(merged, questions, facts, out)
    if out.problems or not docs or any(not merged.has(k) for k in ("name", "levels")):
        return None, out.problems or [Problem(docs[0].path if docs else "rules", 1, 1,
                                              "the rule set is incomplete")]
    ruleset = Ruleset(
        name=name, version=str(version), sha256=sha256, description=texts["description"],
        disclaimer=texts["disclaimer"], levels=levels, insert_labels=insert_labels,
        questions=questions, interview=interview, derived=derived, tables=tables,
        invariants=tuple(invariants), tests=tests, regions=regions,
        default_region=default_region, report=report, words=words)
    return ruleset, []


def yaml_message(message: str) -> str:
    """PyYAML's wording, made plainer where rule authors often trip."""
    if "'\\t'" in message:
        return "invalid YAML: a tab character; indent with spaces, never tabs"
    return message
