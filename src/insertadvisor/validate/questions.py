"""Questions (each defined once, for every stage that asks it) and the interview: the order
of the prompts, the gates and the conditions under which a step is asked."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from insertadvisor.conditions import Node, leaves
from insertadvisor.conditions.grammar import FactType
from insertadvisor.errors import did_you_mean
from insertadvisor.model import Item, Question, Rule, Step
from insertadvisor.pipeline import STAGES
from insertadvisor.rules_io.located import located, pos, value_pos, yes_no
from insertadvisor.validate.files import Merged
from insertadvisor.validate.reporter import Doc, Reporter
from insertadvisor.validate.wording import check_text

QUESTION_KEYS = ("id", "stages", "type", "flag", "metavar", "prompt", "help", "hint",
                 "required", "values", "labels", "items", "min", "max", "unknown", "unit",
                 "default")
QUESTION_TYPES = ("choice", "number", "integer", "set")
ITEM_KEYS = ("id", "prompt", "hint", "short")
STEP_KINDS = ("question", "item", "gate", "skip")
STEP_KEYS = (*STEP_KINDS, "prompt", "items", "ask_when", "direct_when")
# The keys each kind of step may have besides its own.
STEP_EXTRAS = {"question": ("ask_when",), "item": ("ask_when",),
               "gate": ("prompt", "items", "ask_when", "direct_when"), "skip": ()}
# Facts the pipeline adds have these names; an answer may not take one (it would be
# overwritten, or read before it exists). `region` is an answer, named by the contract.
RESERVED = frozenset({"derived", *(f for s in STAGES.values() for f in s.products),
                      *(t for s in STAGES.values() for t in s.tables)})
REGION = "region"


def stages_of(doc: Doc, raw: Any, what: str, out: Reporter) -> tuple[str, ...]:
    """An entry's `stages` (default: assess only)."""
    value = raw.get("stages", ["assess"])
    if not isinstance(value, list) or not value or \
            any(not isinstance(s, str) or s not in STAGES for s in value):
        out.at_value(doc, raw, "stages", f"`stages` of {what} must be a list of "
                                         f"{', '.join(STAGES)}")
        return ("assess",)
    return tuple(dict.fromkeys(value))


def read_questions(merged: Merged, allowed: frozenset[str], regions: Mapping[str, Any],
                   default_region: str, out: Reporter) -> dict[str, tuple[Question, ...]]:
    by_stage: dict[str, list[Question]] = {stage: [] for stage in STAGES}
    flags: dict[tuple[str, str], str] = {}
    for doc, raw, where in merged.lists["questions"]:
        question = _question(doc, raw, where, allowed, out)
        if question is None:
            continue
        if question.id == REGION and question.values and set(question.values) != set(regions):
            out.at_value(doc, raw, "values", f"the `{REGION}` question's values must be the "
                         f"regions: {', '.join(regions)}")
        if question.id == REGION and question.default != default_region and regions:
            out.at_value(doc, raw, "default", f"the `{REGION}` question's default must be "
                         f"the default region `{default_region}`")
        for stage in question.stages:
            if (stage, question.flag) in flags:
                out.at_value(doc, raw, "flag", f"flag {question.flag} is already used by "
                             f"`{flags[stage, question.flag]}` in {stage}")
            flags[stage, question.flag] = question.id
            by_stage[stage].append(question)
    return {stage: tuple(qs) for stage, qs in by_stage.items()}


def _question(doc: Doc, raw: Any, where: tuple[int, int], allowed: frozenset[str],
              out: Reporter) -> Question | None:
    required = ("id", "type", "flag", "metavar", "prompt", "help")
    if not out.mapping(doc, raw, where, "a question", QUESTION_KEYS, required):
        return None
    qid = out.claim_id(doc, raw, "a question")
    if qid in RESERVED:
        out.at_value(doc, raw, "id", f"`{qid}` is a fact the pipeline adds; give the "
                                     "question another id")
        return None
    qtype = raw.get("type")
    if qtype not in QUESTION_TYPES:
        out.at_value(doc, raw, "type", f"question type must be one of "
                     f"{', '.join(QUESTION_TYPES)}{did_you_mean(qtype, QUESTION_TYPES)}")
        return None
    flag = out.text(doc, raw, "flag", f"question `{qid}`")
    if flag and (not flag.startswith("--") or len(flag) < 3 or not flag[2:].replace("-", "")
                 .isalnum() or not flag.isascii()):
        out.at_value(doc, raw, "flag", f"flag `{flag}` must look like --some-name")
    values = tuple(str(yes_no(v)) for v in out.items(doc, raw, "values", f"question `{qid}`"))
    items = tuple(_items(doc, raw, qid, allowed, out))
    if qtype == "choice" and not values:
        out.problem(doc, pos(raw), "a choice question needs `values`")
    if qtype == "set" and not items:
        out.problem(doc, pos(raw), "a set question needs `items`")
    labels = raw.get("labels", {})
    if not isinstance(labels, dict):
        out.at_value(doc, raw, "labels", "`labels` must map each value to its words")
        labels = {}
    for key in labels:
        if str(yes_no(key)) not in values:
            out.at_key(doc, labels, key, f"label for unknown value `{key}`"
                                         f"{did_you_mean(key, values)}")
    numbers: dict[str, float | None] = {}
    for key in ("min", "max"):
        value = raw.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
            out.at_value(doc, raw, key, f"`{key}` must be a number")
            value = None  # reported; never let a bad bound reach the answers
        numbers[key] = value
    default = raw.get("default")
    if default is not None and str(yes_no(default)) not in values:
        out.at_value(doc, raw, "default", f"default `{default}` is not one of the values"
                                          f"{did_you_mean(default, values)}")
    # What a question that is not required holds when not given must be one of its
    # values, so that rules check tries it: a default for a choice, unknown for a number.
    if raw.get("required") is not True and qtype == "choice" and default is None:
        out.problem(doc, pos(raw), f"question `{qid}` is not required, so it needs a "
                                   "`default`: the value when no answer is given")
    if raw.get("required") is not True and qtype in ("number", "integer") \
            and raw.get("unknown") is not True:
        out.problem(doc, pos(raw), f"question `{qid}` is not required, so it needs "
                                   "`unknown: true`: a number not given is unknown")
    words = {k: out.text(doc, raw, k, f"question `{qid}`", required=k in required)
             for k in ("prompt", "help", "hint", "metavar", "unit")}
    for key in ("prompt", "hint"):
        check_text(doc, raw, key, words[key], allowed, out)
    shown = {str(yes_no(k)): str(v) for k, v in labels.items()}
    for key, text in shown.items():
        check_text(doc, labels, key, text, allowed, out)
    return Question(
        id=qid, type=qtype, flag=flag, metavar=words["metavar"], prompt=words["prompt"],
        help=words["help"], hint=words["hint"], stages=stages_of(doc, raw, f"`{qid}`", out),
        required=out.flag(doc, raw, "required"), values=values, labels=shown, items=items,
        min=numbers["min"], max=numbers["max"], unknown=out.flag(doc, raw, "unknown"),
        unit=words["unit"], default=None if default is None else str(yes_no(default)),
    )


def _items(doc: Doc, raw: Any, qid: str, allowed: frozenset[str], out: Reporter) -> list[Item]:
    items = []
    for item, where in located(out.items(doc, raw, "items", f"question `{qid}`")):
        if not out.mapping(doc, item, where, "an item", ITEM_KEYS, ("id", "prompt")):
            continue
        iid = out.claim_id(doc, item, "an item")
        words = {k: out.text(doc, item, k, f"item `{iid}`", required=k == "prompt")
                 for k in ITEM_KEYS[1:]}
        for key, text in words.items():
            check_text(doc, item, key, text, allowed, out)
        items.append(Item(iid, words["prompt"], words["hint"], words["short"]))
    return items


def read_words(merged: Merged, questions: dict[str, tuple[Question, ...]],
               out: Reporter) -> dict[str, Any]:
    """The words a person may type (units, "not sure", "help"), checked as the prompts
    read them; every question's unit must be one of them, when there are any."""
    from insertadvisor.natural import load_units
    from insertadvisor.rules_io.located import plain
    from insertadvisor.validate.files import WORD_KEYS

    given = {key: plain(merged.values[key]) for key in WORD_KEYS if key in merged.values}
    if not given:
        return {}
    doc = merged.origin[next(iter(given))]
    try:
        units = load_units(given)
    except ValueError as exc:
        out.problem(doc, (1, 1), str(exc))
        return {}
    for stage_questions in questions.values():
        for q in stage_questions:
            if q.unit and q.unit not in units.groups:
                out.problem(doc, (1, 1), f"question `{q.id}` is in {q.unit}, which `units` "
                                         f"does not define; units are {', '.join(units.groups)}")
    return given


def answer_facts(questions: tuple[Question, ...]) -> dict[str, FactType]:
    """What conditions may test about a stage's answers."""
    kinds = {"choice": "choice", "number": "number", "integer": "number", "set": "set"}
    return {q.id: FactType(kinds[q.type], q.choices) for q in questions}


# -- the interview -------------------------------------------------------------------------


def read_interview(merged: Merged, questions: dict[str, tuple[Question, ...]],
                   derived: dict[str, tuple[Rule, ...]], facts: dict[str, dict[str, FactType]],
                   allowed: frozenset[str], out: Reporter) -> dict[str, tuple[Step, ...]]:
    result: dict[str, tuple[Step, ...]] = dict.fromkeys(STAGES, ())
    doc = merged.origin.get("interview")
    if doc is None:
        return result
    raw = merged.values["interview"]
    if not out.mapping(doc, raw, value_pos(doc.data, "interview"), "`interview`",
                       tuple(STAGES), tuple(STAGES)):
        return result
    for stage in STAGES:
        if stage in raw:
            result[stage] = _steps(doc, raw, stage, questions[stage], derived[stage],
                                   facts[stage], allowed, out)
    return result


def _steps(doc: Doc, raw: Any, stage: str, questions: tuple[Question, ...],
           derived: tuple[Rule, ...], facts: dict[str, FactType], allowed: frozenset[str],
           out: Reporter) -> tuple[Step, ...]:
    by_id = {q.id: q for q in questions}
    item_of = {i.id: q.id for q in questions if q.type == "set" for i in q.items}
    grammar = out.grammar(doc)
    asked: dict[str, tuple[int, int]] = {}  # question or item id -> where it is asked
    gates: dict[str, int] = {}
    steps: list[Step] = []
    for entry, where in located(out.items(doc, raw, stage, "`interview`")):
        if not out.mapping(doc, entry, where, f"a {stage} interview step", STEP_KEYS):
            continue
        kinds = [k for k in STEP_KINDS if k in entry]
        if len(kinds) != 1:
            out.problem(doc, where, "an interview step names one of question, item or gate")
            continue
        kind = kinds[0]
        name = entry[kind]
        _only_its_keys(doc, entry, kind, out)
        if kind == "skip":  # items this stage's interview never asks, said so on purpose
            _skip(doc, entry, stage, item_of, asked, out)
            continue
        if not isinstance(name, str):
            out.at_value(doc, entry, kind, f"`{kind}` must name it, as text")
            continue
        if kind == "gate" and gates.setdefault(name, where[0]) != where[0]:
            out.at_value(doc, entry, kind, f"gate `{name}` is already defined at line "
                                           f"{gates[name]}")
        conditions = {key: grammar.parse(entry[key], value_pos(entry, key), facts)
                      if key in entry else None for key in ("ask_when", "direct_when")}
        for key, node in conditions.items():
            if node is not None:
                _asked_before(doc, entry, key, node, asked, derived, item_of, out)
        if kind == "question":
            if name not in by_id:
                out.at_value(doc, entry, kind, f"`{name}` is not a question of {stage}"
                             f"{did_you_mean(name, by_id)}")
                continue
            if by_id[name].required and "ask_when" in entry:
                out.at_key(doc, entry, "ask_when", f"`{name}` is required, so it is always "
                                                   "asked; a condition would leave it missing")
            # a set question as one step: each of its items, one by one
            owner, items = name, by_id[name].choices if by_id[name].type == "set" else ()
        else:
            items = (name,) if kind == "item" else _gate_items(doc, entry, item_of, out)
            if not items or any(i not in item_of for i in items):
                if kind == "item":
                    out.at_value(doc, entry, kind, f"`{name}` is not an item of a {stage} set "
                                 f"question{did_you_mean(name, item_of)}")
                continue
            owner = item_of[items[0]]
        prompt = out.text(doc, entry, "prompt", f"gate `{name}`", required=kind == "gate")
        if kind == "gate" and not prompt:
            out.problem(doc, where, f"gate `{name}` needs a `prompt`: the lead-in question")
        check_text(doc, entry, "prompt", prompt, allowed, out)
        for asked_id in items or (name,):
            if asked_id in asked:
                out.problem(doc, where, f"`{asked_id}` is already asked at line "
                                        f"{asked[asked_id][0]}")
            asked[asked_id] = where
        steps.append(Step(kind, name, owner, items, prompt, conditions["ask_when"],
                          conditions["direct_when"], doc.display, where[0]))
    if not out.incomplete:
        _all_asked(doc, value_pos(raw, stage), stage, questions, asked, out)
    return tuple(steps)


def _only_its_keys(doc: Doc, entry: Any, kind: str, out: Reporter) -> None:
    for key in entry:
        if key != kind and key not in STEP_EXTRAS[kind]:
            out.at_key(doc, entry, key, f"`{key}` has no meaning on a {kind} step")


def _skip(doc: Doc, entry: Any, stage: str, item_of: dict[str, str],
          asked: dict[str, tuple[int, int]], out: Reporter) -> None:
    listed = entry["skip"]
    if not isinstance(listed, list):
        out.at_value(doc, entry, "skip", "`skip` takes a list of item ids")
        return
    for item, where in located(listed):
        if item not in item_of:
            out.problem(doc, where, f"`{item}` is not an item of a {stage} set question"
                                    f"{did_you_mean(str(item), item_of)}")
        elif item in asked:
            out.problem(doc, where, f"`{item}` is already asked at line {asked[item][0]}")
        else:
            asked[item] = where


def _all_asked(doc: Doc, where: tuple[int, int], stage: str, questions: tuple[Question, ...],
               asked: dict[str, tuple[int, int]], out: Reporter) -> None:
    """Every question and every item is asked (or skipped on purpose)."""
    for question in questions:
        if not question.id:
            continue
        if question.type != "set" and question.id not in asked:
            out.problem(doc, where, f"the {stage} interview never asks `{question.id}`")
        missing = [i.id for i in question.items if i.id not in asked]
        if missing:  # a red flag left out of the prompts would never be asked
            out.problem(doc, where, f"the {stage} interview never asks {', '.join(missing)}; "
                                    "ask them, or list them in a `skip` step to say it is on "
                                    "purpose")


def _gate_items(doc: Doc, entry: Any, item_of: dict[str, str], out: Reporter) -> tuple[str, ...]:
    items = entry.get("items")
    if not isinstance(items, list) or not items:
        out.at_value(doc, entry, "items", "a gate needs `items`: the ids it stands for")
        return ()
    for item, where in located(items):
        if item not in item_of:
            out.problem(doc, where, f"`{item}` is not an item of a set question"
                                    f"{did_you_mean(str(item), item_of)}")
    owners = {item_of.get(i) for i in items}
    if len(owners) > 1:
        out.at_value(doc, entry, "items", "a gate's items must belong to one question")
    return tuple(str(i) for i in items)


def _asked_before(doc: Doc, entry: Any, key: str, node: Node, asked: dict[str, Any],
                  derived: tuple[Rule, ...], item_of: dict[str, str], out: Reporter) -> None:
    """A step's condition may read only answers the interview has asked by then (through
    derived facts, too): otherwise it would be decided on defaults."""
    definitions = {rule.id: rule.when for rule in derived}
    todo, seen, late = [node], set(), []
    while todo:
        for leaf in leaves(todo.pop()):
            fact = leaf[1]
            if fact in definitions:
                if fact not in seen:
                    seen.add(fact)
                    todo.append(definitions[fact])
                continue
            read = leaf[2] if isinstance(leaf[2], tuple) else (leaf[2],)
            names = [r for r in read if r in item_of] or [fact]
            late += [n for n in names if n not in asked]
    if late:
        out.at_value(doc, entry, key, f"`{key}` reads {', '.join(dict.fromkeys(late))}, "
                                      "which the interview has not asked yet")
