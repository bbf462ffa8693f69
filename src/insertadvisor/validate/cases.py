"""The test cases kept with the rules (tests.yaml): answers, and what to expect.

What a case may expect is what the pipeline adds (pipeline.py), each compared as its
product says, and `text_includes`: texts the rendered result must contain.
"""

from __future__ import annotations

from typing import Any

from insertadvisor.errors import did_you_mean
from insertadvisor.model import INSERT_TYPES, LEVEL_IDS, Question
from insertadvisor.pipeline import STAGES, Product
from insertadvisor.rules_io.located import located, plain, value_pos
from insertadvisor.validate.files import Merged
from insertadvisor.validate.reporter import Doc, Reporter
from insertadvisor.validate.tables import Facts

CASE_KEYS = ("name", "answers", "expect", "description")
TEXT_INCLUDES = "text_includes"


def expectations(stage: str) -> dict[str, Product]:
    """What a case of `stage` may expect: the products a test compares, by name."""
    return {name: p for name, p in STAGES[stage].products.items() if p.test}


def read_cases(merged: Merged, questions: dict[str, tuple[Question, ...]], facts: Facts,
               out: Reporter) -> dict[str, list[dict[str, Any]]]:
    """Each stage's cases, each with its place (file, line, column) for `rules test`."""
    cases: dict[str, list[dict[str, Any]]] = {stage: [] for stage in STAGES}
    doc = merged.origin.get("tests")
    if doc is None:
        return cases
    raw = merged.values["tests"]
    if not out.mapping(doc, raw, value_pos(doc.data, "tests"), "`tests`", tuple(STAGES)):
        return cases
    for stage in STAGES:
        entries = raw.get(stage, [])
        if not isinstance(entries, list):
            out.at_value(doc, raw, stage, f"`{stage}` tests must be a list of cases")
            continue
        for case, where in located(entries):
            if not out.mapping(doc, case, where, "a test case", CASE_KEYS, CASE_KEYS[:3]):
                continue
            name = out.text(doc, case, "name", "a test case")
            out.printable(doc, case, "name", name, "the name of a test case")
            if "answers" in case:
                _answers(doc, case, questions[stage], out)
            if "expect" in case:
                _expect(doc, case, stage, facts, out)
            cases[stage].append({**plain(case), "file": doc.display, "line": where[0],
                                 "column": where[1]})
    return cases


def _answers(doc: Doc, case: Any, questions: tuple[Question, ...],
             out: Reporter) -> None:
    from insertadvisor.answers import AnswerError, parse_answer

    answers = case["answers"]
    if not out.mapping(doc, answers, value_pos(case, "answers"), "the answers of a test",
                       tuple(q.id for q in questions),
                       tuple(q.id for q in questions if q.required)):
        return
    by_id = {q.id: q for q in questions}
    for key, value in answers.items():
        if key in by_id:
            try:
                parse_answer(by_id[key], plain(value), f"`{key}`")
            except (AnswerError, TypeError, ValueError) as exc:  # a broken question, too
                out.at_value(doc, answers, key, str(exc))


def _expect(doc: Doc, case: Any, stage: str, facts: Facts, out: Reporter) -> None:
    expect = case["expect"]
    known = expectations(stage)
    if not out.mapping(doc, expect, value_pos(case, "expect"), "the expected outcome of a "
                       "test", (*known, TEXT_INCLUDES)):
        return
    for key, value in expect.items():
        if key == TEXT_INCLUDES:
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                out.at_value(doc, expect, key, f"`{key}` must be a list of texts")
            continue
        product = known.get(key)
        if product is None:
            continue
        if product.kind == "bool":
            if not isinstance(value, bool):
                out.at_value(doc, expect, key, f"`{key}` must be true or false")
            continue
        if product.kind == "ids":
            ftype = facts.product(stage, product)
            ids = ftype.values if ftype else ()
            if not isinstance(value, list):
                out.at_value(doc, expect, key, f"`{key}` must be a list of rule ids")
                continue
            for item, where in located(value):
                if item not in ids and not out.incomplete:
                    tables = " or ".join(f"`{t}`" for t in product.tables)
                    out.problem(doc, where, f"`{item}` is not a rule of table {tables}"
                                            f"{did_you_mean(str(item), ids)}")
            continue
        allowed = LEVEL_IDS if product.kind == "level" else INSERT_TYPES
        if value not in allowed:
            out.at_value(doc, expect, key, f"`{value}` is not a valid {key}"
                         f"{did_you_mean(str(value), allowed)}; expected one of "
                         f"{', '.join(allowed)}")
