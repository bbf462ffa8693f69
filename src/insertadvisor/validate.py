"""Strict validation: from the YAML files of a rule set to a compiled Ruleset, or every problem.

Each problem is located as `file:line:column` and, where a known name is close, says
which one was probably meant. Nothing is assumed: unknown keys, unknown facts, values
outside a fact's allowed set, wrong types and duplicate ids are all reported.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from insertadvisor.conditions import LEAF_OPS, NUMERIC_OPS, SET_OPS, Node
from insertadvisor.errors import Problem, did_you_mean
from insertadvisor.model import (
    INSERT_TYPES,
    PIPELINE_FACTS,
    STAGES,
    TABLE_SPECS,
    Invariant,
    Item,
    Level,
    Question,
    Rule,
    Ruleset,
    Table,
)

TOP_KEYS = ("name", "version", "description", "disclaimer", "levels", "insert_labels",
            "questions",
            "derived", "tables", "invariants", "tests")
REQUIRED_TOP = ("name", "version", "disclaimer", "levels", "insert_labels", "questions",
                "tables")
LIST_KEYS = ("derived", "tables", "invariants")  # may be spread over several files
QUESTION_KEYS = ("id", "type", "flag", "metavar", "prompt", "help", "hint", "group",
                 "required", "values", "labels", "items", "min", "max", "unknown", "unit",
                 "default")
QUESTION_TYPES = ("choice", "number", "integer", "set")
GROUPS = ("core", "screen", "optional")
LEVEL_KEYS = ("id", "label", "message", "source")
TABLE_KEYS = ("id", "hit_policy", "description", "rules")
RULE_KEYS = ("id", "description", "priority", "when", "then", "source")
DERIVED_KEYS = ("id", "description", "when", "source")
INVARIANT_KEYS = ("id", "description", "applies_to", "when", "expect", "source")
POLICY_WORDS = ("collect", "first", "unique")
TEST_KEYS = ("name", "answers", "expect", "description")
# What a test case may expect, per stage: the key and the kind of value.
TEST_EXPECT = {
    "assess": {"triage": "level", "insert": "insert_type", "heel_lift": "bool",
               "referrals": "referrals"},
    "checkin": {"triage": "level", "stop_wearing": "bool", "actions": "checkin"},
}


@dataclass(frozen=True, slots=True)
class FactType:
    kind: str  # choice | number | set | bool
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Doc:
    """One rule file: its path as shown in messages, its name in outputs, its data."""

    path: str
    display: str
    data: Any


class Validator:
    """Collects problems while building a rule set; see `build`."""

    def __init__(self, *, incomplete: bool = False) -> None:
        """`incomplete`: some files could not be read, so do not report what is missing
        from the rule set as a whole (it may be in those files)."""
        self.problems: list[Problem] = []
        self.ids: dict[str, tuple[str, int, int]] = {}
        self.incomplete = incomplete
        self.derived_names: list[str] = []  # every derived fact named, even a broken one
        self.rule_tables: dict[str, str] = {}  # every rule id named -> its table

    # -- reporting -------------------------------------------------------------------

    def problem(self, doc: Doc, pos: tuple[int, int], message: str) -> None:
        self.problems.append(Problem(doc.path, pos[0], pos[1], message))

    def at_key(self, doc: Doc, mapping: Any, key: Any, message: str) -> None:
        self.problem(doc, getattr(mapping, "key_pos", {}).get(key, _pos(mapping)), message)

    def at_value(self, doc: Doc, mapping: Any, key: Any, message: str) -> None:
        self.problem(doc, getattr(mapping, "value_pos", {}).get(key, _pos(mapping)), message)

    def mapping(self, doc: Doc, value: Any, pos: tuple[int, int], what: str,
                allowed: tuple[str, ...], required: tuple[str, ...] = ()) -> bool:
        """Check that `value` is a mapping with only `allowed` keys and all `required` ones."""
        if not isinstance(value, dict):
            self.problem(doc, pos, f"{what} must be a mapping, not {_kind(value)}")
            return False
        meant = set()
        for key in value:
            if key not in allowed:
                hint = did_you_mean(key, allowed)
                meant.add(hint[len(" (did you mean `"):-len("`?)")] if hint else None)
                self.at_key(doc, value, key, f"unknown key `{key}` in {what}{hint}")
        for key in required:
            if key not in value and key not in meant:  # a misspelt key is reported once
                self.problem(doc, _pos(value), f"{what} is missing `{key}`")
        return True

    def text(self, doc: Doc, mapping: Any, key: str, what: str, required: bool = True) -> str:
        value = mapping.get(key)
        if value is None:
            if required and key in mapping:
                self.at_value(doc, mapping, key, f"`{key}` of {what} must not be empty")
            return ""
        if not isinstance(value, str) or not value.strip():
            self.at_value(doc, mapping, key, f"`{key}` of {what} must be text, not {_kind(value)}")
            return ""
        return value.strip()

    def claim_id(self, doc: Doc, mapping: Any, what: str) -> str:
        value = mapping.get("id")
        if not isinstance(value, str) or not value:
            if "id" in mapping:
                hint = f'; quote it: id: "{value}"' if isinstance(value, (int, float)) else ""
                self.at_value(doc, mapping, "id", f"the id of {what} must be text, not "
                              f"{_kind(value)}{hint}")
            return ""
        pos = mapping.value_pos["id"]
        if value in self.ids:
            first = self.ids[value]
            self.problem(doc, pos, f"duplicate id `{value}` (first defined at "
                                   f"{first[0]}:{first[1]}:{first[2]})")
        else:
            self.ids[value] = (doc.path, *pos)
        return value

    # -- the whole rule set ----------------------------------------------------------

    def build(self, docs: list[Doc], sha256: str) -> Ruleset | None:
        """Validate every file; return the compiled rule set, or None if problems were found."""
        merged, origin = self._merge(docs)
        for key in REQUIRED_TOP:
            if key not in merged and not self.incomplete:
                self.problem(docs[0], (1, 1), f"the rule set defines no `{key}` in any file")
        if self.problems or any(key not in merged for key in REQUIRED_TOP):
            return None  # (when files were unreadable, their problems say why)
        name = self.text(origin["name"], origin["name"].data, "name", "the rule set")
        version = merged["version"]
        if not isinstance(version, str):
            self.at_value(origin["version"], origin["version"].data, "version",
                          f"`version` must be text; quote it, as in version: \"{version}\"")
        levels = self._levels(origin["levels"], merged["levels"])
        insert_labels = self._insert_labels(origin["insert_labels"], merged["insert_labels"])
        questions = self._questions(origin["questions"], merged["questions"])
        level_ids = tuple(level.id for level in levels)
        derived = self._derived(merged.get("derived", []), questions)
        tables = self._tables(merged["tables"], questions, derived, level_ids)
        invariants = self._invariants(merged.get("invariants", []), questions, derived,
                                      level_ids)
        tests = self._test_cases(origin.get("tests"), merged.get("tests", {}), questions,
                                 tables, level_ids)
        if self.problems:
            return None
        return Ruleset(
            name=name, version=str(version), sha256=sha256,
            description=self._top_text(origin, "description", required=False),
            disclaimer=self._top_text(origin, "disclaimer"),
            levels=levels, insert_labels=insert_labels, questions=questions, derived=tuple(derived),
            tables=tables, invariants=tuple(invariants), tests=tests,
        )

    def _top_text(self, origin: dict[str, Doc], key: str, required: bool = True) -> str:
        doc = origin.get(key)
        return self.text(doc, doc.data, key, "the rule set", required) if doc else ""

    def _merge(self, docs: list[Doc]) -> tuple[dict[str, Any], dict[str, Doc]]:
        merged: dict[str, Any] = {}
        origin: dict[str, Doc] = {}
        for doc in docs:
            if doc.data is None:
                continue
            if not self.mapping(doc, doc.data, (1, 1), "a rule file", TOP_KEYS):
                continue
            for key, value in doc.data.items():
                if key not in TOP_KEYS:
                    continue
                if key in LIST_KEYS:
                    if not isinstance(value, list):
                        self.at_value(doc, doc.data, key, f"`{key}` must be a list")
                        continue
                    merged.setdefault(key, []).extend((doc, item, pos) for item, pos in
                                                      _located(value))
                    origin.setdefault(key, doc)
                elif key in merged:
                    self.at_key(doc, doc.data, key,
                                f"`{key}` is already defined in {origin[key].path}")
                else:
                    merged[key], origin[key] = value, doc
        return merged, origin

    # -- levels and questions --------------------------------------------------------

    def _levels(self, doc: Doc, raw: Any) -> tuple[Level, ...]:
        if not isinstance(raw, list) or not raw:
            self.at_value(doc, doc.data, "levels", "`levels` must be a non-empty list")
            return ()
        levels = []
        for item, pos in _located(raw):
            if not self.mapping(doc, item, pos, "a level", LEVEL_KEYS, LEVEL_KEYS):
                continue
            levels.append(Level(self.claim_id(doc, item, "a level"),
                                *(self.text(doc, item, k, "a level") for k in LEVEL_KEYS[1:])))
        return tuple(levels)

    def _insert_labels(self, doc: Doc, raw: Any) -> dict[str, str]:
        pos = doc.data.value_pos["insert_labels"]
        if not self.mapping(doc, raw, pos, "`insert_labels`", INSERT_TYPES, INSERT_TYPES):
            return {}
        return {key: self.text(doc, raw, key, "`insert_labels`") for key in INSERT_TYPES}

    def _questions(self, doc: Doc, raw: Any) -> dict[str, tuple[Question, ...]]:
        out: dict[str, tuple[Question, ...]] = dict.fromkeys(STAGES, ())
        if not self.mapping(doc, raw, doc.data.value_pos["questions"], "`questions`",
                            STAGES, STAGES):
            return out
        for stage in STAGES:
            items = raw.get(stage)
            if not isinstance(items, list):
                continue
            out[stage] = tuple(
                q for item, pos in _located(items)
                if (q := self._question(doc, item, pos)) is not None
            )
        return out

    def _question(self, doc: Doc, raw: Any, pos: tuple[int, int]) -> Question | None:
        required = ("id", "type", "flag", "metavar", "prompt", "help")
        if not self.mapping(doc, raw, pos, "a question", QUESTION_KEYS, required):
            return None
        qid = self.claim_id(doc, raw, "a question")
        qtype = raw.get("type")
        if qtype not in QUESTION_TYPES:
            self.at_value(doc, raw, "type", f"question type must be one of "
                          f"{', '.join(QUESTION_TYPES)}{did_you_mean(qtype, QUESTION_TYPES)}")
            return None
        group = raw.get("group", "optional")
        if group not in GROUPS:
            self.at_value(doc, raw, "group", f"group must be one of {', '.join(GROUPS)}"
                          f"{did_you_mean(group, GROUPS)}")
        values = tuple(str(_yes_no(v)) for v in raw.get("values", []))
        items = tuple(self._items(doc, raw))
        if qtype == "choice" and not values:
            self.problem(doc, _pos(raw), "a choice question needs `values`")
        if qtype == "set" and not items:
            self.problem(doc, _pos(raw), "a set question needs `items`")
        labels = raw.get("labels", {})
        if isinstance(labels, dict):
            for key in labels:
                if str(_yes_no(key)) not in values:
                    self.at_key(doc, labels, key, f"label for unknown value `{key}`"
                                f"{did_you_mean(key, values)}")
        numbers = {k: raw.get(k) for k in ("min", "max")}
        for key, value in numbers.items():
            if value is not None and (isinstance(value, bool)
                                      or not isinstance(value, (int, float))):
                self.at_value(doc, raw, key, f"`{key}` must be a number")
                numbers[key] = None  # reported; never let a bad bound reach the answers
        for key in ("required", "unknown"):
            if key in raw and not isinstance(raw[key], bool):
                self.at_value(doc, raw, key, f"`{key}` must be true or false")
        default = raw.get("default")
        if default is not None and str(_yes_no(default)) not in values:
            self.at_value(doc, raw, "default", f"default `{default}` is not one of the values"
                          f"{did_you_mean(default, values)}")
        return Question(
            id=qid, type=qtype,
            **{k: self.text(doc, raw, k, f"question `{qid}`")
               for k in ("flag", "metavar", "prompt", "help")},
            hint=self.text(doc, raw, "hint", f"question `{qid}`", required=False),
            group=group, required=raw.get("required") is True, values=values,
            labels={str(_yes_no(k)): str(v) for k, v in labels.items()}
            if isinstance(labels, dict) else {},
            items=items, min=numbers["min"], max=numbers["max"],
            unknown=raw.get("unknown") is True,
            unit=self.text(doc, raw, "unit", f"question `{qid}`", required=False),
            default=None if default is None else str(_yes_no(default)),
        )

    def _items(self, doc: Doc, raw: Any) -> list[Item]:
        items = raw.get("items", [])
        if not isinstance(items, list):
            self.at_value(doc, raw, "items", "`items` must be a list")
            return []
        out = []
        for item, pos in _located(items):
            if self.mapping(doc, item, pos, "an item", ("id", "prompt"), ("id", "prompt")):
                out.append(Item(self.claim_id(doc, item, "an item"),
                                self.text(doc, item, "prompt", "an item")))
        return out

    # -- facts and conditions --------------------------------------------------------

    def answer_facts(self, questions: tuple[Question, ...]) -> dict[str, FactType]:
        kinds = {"choice": "choice", "number": "number", "integer": "number", "set": "set"}
        return {q.id: FactType(kinds[q.type], q.choices) for q in questions}

    def condition(self, doc: Doc, raw: Any, pos: tuple[int, int], facts: dict[str, FactType],
                  allow_otherwise: bool = False) -> Node | None:
        """Parse a condition; report problems and return None if it is malformed."""
        if isinstance(raw, str):
            words = ("always", "otherwise") if allow_otherwise else ("always",)
            if raw in words:
                return (raw,)
            self.problem(doc, pos, f"a condition must be a mapping or one of "
                         f"{', '.join(words)}, not `{raw}`{did_you_mean(raw, words)}")
            return None
        if isinstance(raw, dict) and not raw:
            self.problem(doc, pos, "a condition must not be empty; write the tests it makes, "
                         "or `always`")
            return None
        if not isinstance(raw, dict):
            self.problem(doc, pos, f"a condition must be a mapping, not {_kind(raw)}")
            return None
        nodes: list[Node | None] = []
        for key, value in raw.items():
            vpos = _value_pos(raw, key)
            if key in ("all", "any"):
                if not isinstance(value, list) or not value:
                    self.problem(doc, vpos, f"`{key}` needs a non-empty list of conditions")
                    nodes.append(None)
                    continue
                parts = [self.condition(doc, v, p, facts)
                         for v, p in _located(value)]
                nodes.append(None if None in parts else (key, tuple(parts)))
            elif key == "not":
                inner = self.condition(doc, value, vpos, facts)
                nodes.append(None if inner is None else ("not", inner))
            elif key in facts:
                nodes.append(self._fact_tests(doc, raw, key, facts[key]))
            elif self.incomplete:  # perhaps defined in a file that could not be read
                nodes.append(None)
            else:
                known = [*facts, "all", "any", "not"]
                self.at_key(doc, raw, key, f"unknown fact `{key}`{did_you_mean(key, known)}")
                nodes.append(None)
        if None in nodes:
            return None
        return nodes[0] if len(nodes) == 1 else ("all", tuple(nodes))

    def _fact_tests(self, doc: Doc, parent: Any, fact: str, ftype: FactType) -> Node | None:
        value = parent[fact]
        if not isinstance(value, dict):  # shorthand: equality, or membership for a set
            op = "has" if ftype.kind == "set" else "eq"
            return self._leaf(doc, _value_pos(parent, fact), fact, ftype, op, value)
        if not value:
            self.at_value(doc, parent, fact, f"the test of `{fact}` is empty")
            return None
        nodes = []
        for op, arg in value.items():
            if op not in LEAF_OPS:
                self.at_key(doc, value, op, f"unknown operator `{op}`"
                            f"{did_you_mean(op, sorted(LEAF_OPS))}")
                return None
            nodes.append(self._leaf(doc, _value_pos(value, op), fact, ftype, op, arg))
        if None in nodes:
            return None
        return nodes[0] if len(nodes) == 1 else ("all", tuple(nodes))

    def _leaf(self, doc: Doc, pos: tuple[int, int], fact: str, ftype: FactType, op: str,
              arg: Any) -> Node | None:
        kind = ftype.kind
        fits = {
            "set": SET_OPS,
            "number": set(NUMERIC_OPS) | {"eq", "ne", "known"},
            "choice": {"eq", "ne", "in", "not_in"},
            "bool": {"eq", "ne"},
        }[kind]
        if op not in fits:
            self.problem(doc, pos, f"operator `{op}` does not apply to `{fact}` (a {kind}); "
                         f"use one of {', '.join(sorted(fits))}")
            return None
        if op == "known":
            if not isinstance(arg, bool):
                self.problem(doc, pos, "`known` takes true or false")
                return None
            return (op, fact, arg)
        if kind == "number":
            if isinstance(arg, bool) or not isinstance(arg, (int, float)):
                self.problem(doc, pos, f"`{fact}` is a number; `{op}` needs a number, "
                             f"not {_kind(arg)}")
                return None
            return (op, fact, arg)
        if kind == "bool":
            if not isinstance(arg, bool):
                self.problem(doc, pos, f"`{fact}` is true or false, not {_kind(arg)}")
                return None
            return (op, fact, arg)
        many = op in ("in", "not_in", "has_any", "has_all", "has_none")
        values = arg if many else [arg]
        if not isinstance(values, list) or (many and not values):
            self.problem(doc, pos, f"`{op}` needs a non-empty list of values")
            return None
        checked = []
        for i, raw_value in enumerate(values):
            value = _yes_no(raw_value)
            vpos = arg.item_pos[i] if many else pos
            if not isinstance(value, str) or value not in ftype.values:
                self.problem(doc, vpos, f"`{raw_value}` is not a value of `{fact}`"
                             f"{did_you_mean(value, ftype.values)}; expected one of "
                             f"{', '.join(ftype.values)}")
                return None
            checked.append(value)
        return (op, fact, tuple(checked) if many else checked[0])

    # -- derived facts, tables, invariants -------------------------------------------

    def _derived(self, entries: list[tuple[Doc, Any, tuple[int, int]]],
                 questions: dict[str, tuple[Question, ...]]) -> list[Rule]:
        facts = self.answer_facts(questions["assess"])
        out = []
        for doc, raw, pos in entries:
            if not self.mapping(doc, raw, pos, _named(raw, "derived fact"), DERIVED_KEYS,
                                ("id", "when", "source")):
                continue
            rid = self.claim_id(doc, raw, "a derived fact")
            if rid:  # known even if its condition is broken: no follow-on "unknown fact"
                self.derived_names.append(rid)
            if "when" not in raw:
                continue
            when = self.condition(doc, raw["when"], raw.value_pos["when"], facts)
            source = self.text(doc, raw, "source", f"derived fact `{rid}`")
            if when is not None and rid:
                out.append(Rule(rid, "derived", when, {rid: True}, source, doc.display,
                                pos[0], None, self.text(doc, raw, "description", rid, False)))
                facts[rid] = FactType("bool")  # later derived facts may use earlier ones
        return out

    def _facts_for(self, stage: str, questions: dict[str, tuple[Question, ...]],
                   derived: list[Rule], pipeline: tuple[str, ...],
                   level_ids: tuple[str, ...]) -> dict[str, FactType]:
        facts = self.answer_facts(questions[stage])
        if stage == "assess":
            facts.update({d.id: FactType("bool") for d in derived})
            facts.update({name: FactType("bool") for name in self.derived_names})
        types = {"triage": FactType("choice", level_ids),
                 "insert": FactType("choice", INSERT_TYPES),
                 "heel_lift": FactType("bool"), "stop_wearing": FactType("bool")}
        facts.update({name: types[name] for name in pipeline})
        return facts

    def _tables(self, entries: list[tuple[Doc, Any, tuple[int, int]]],
                questions: dict[str, tuple[Question, ...]], derived: list[Rule],
                level_ids: tuple[str, ...]) -> dict[str, Table]:
        tables: dict[str, Table] = {}
        broken = self.incomplete
        for doc, raw, pos in entries:
            if not self.mapping(doc, raw, pos, "a table", TABLE_KEYS,
                                ("id", "hit_policy", "rules")):
                continue
            tid = raw.get("id")
            spec = TABLE_SPECS.get(tid) if isinstance(tid, str) else None
            if "id" not in raw or "hit_policy" not in raw or "rules" not in raw:
                broken = True
                continue
            if spec is None:
                broken = True
                self.at_value(doc, raw, "id", f"unknown table `{tid}`"
                              f"{did_you_mean(tid, TABLE_SPECS)}; tables are "
                              f"{', '.join(TABLE_SPECS)}")
                continue
            if tid in tables:
                broken = True
                self.at_value(doc, raw, "id", f"table `{tid}` is already defined in "
                              f"{tables[tid].file}")
                continue
            policy = raw.get("hit_policy")
            if policy not in spec.policies:
                broken = True
                hint = did_you_mean(str(policy), spec.policies) or f", not {_kind(policy)}"
                self.at_value(doc, raw, "hit_policy", f"table `{tid}` must have hit_policy "
                              f"{' or '.join(spec.policies)}{hint}")
                continue
            facts = self._facts_for(spec.stage, questions, derived, spec.facts_before,
                                    level_ids)
            rules = self._rules(doc, raw, spec.id, policy, facts, level_ids)
            tables[tid] = Table(tid, policy, rules, doc.display, pos[0])
        for tid in TABLE_SPECS:
            if tid not in tables and entries and not broken:
                self.problem(entries[0][0], (1, 1), f"the rule set defines no table `{tid}`")
        return tables

    def _rules(self, doc: Doc, table: Any, tid: str, policy: str,
               facts: dict[str, FactType], level_ids: tuple[str, ...]) -> tuple[Rule, ...]:
        raw_rules = table["rules"]
        if not isinstance(raw_rules, list) or not raw_rules:
            self.at_value(doc, table, "rules", "`rules` must be a non-empty list")
            return ()
        rules: list[Rule] = []
        priorities: dict[int, str] = {}
        for raw, pos in _located(raw_rules):
            if not self.mapping(doc, raw, pos, _named(raw, "rule"), RULE_KEYS,
                                ("id", "when", "then", "source")):
                continue
            rid = self.claim_id(doc, raw, "a rule")
            if rid:
                self.rule_tables[rid] = tid
            priority = self._priority(doc, raw, rid, policy, priorities)
            if "when" not in raw or "then" not in raw:
                continue
            when = self.condition(doc, raw["when"], raw.value_pos["when"], facts,
                                  allow_otherwise=policy != "unique")
            then = self._outputs(doc, raw, tid, level_ids)
            source = self.text(doc, raw, "source", f"rule `{rid}`")
            if when is not None and then is not None and rid:
                rules.append(Rule(rid, tid, when, then, source, doc.display, pos[0], priority,
                                  self.text(doc, raw, "description", rid, required=False)))
        otherwise = [r for r in rules if r.when == ("otherwise",)]
        if len(otherwise) > 1:
            self.problem(doc, (otherwise[1].line, 5), f"table `{tid}` has more than one "
                         "`otherwise` rule")
        if policy != "collect":
            rules.sort(key=lambda r: (r.when == ("otherwise",), r.priority or 0))
        return tuple(rules)

    def _priority(self, doc: Doc, raw: Any, rid: str, policy: str,
                  seen: dict[int, str]) -> int | None:
        if policy == "collect":
            if "priority" in raw:
                self.at_key(doc, raw, "priority", "`priority` has no meaning in a collect "
                            "table: every rule that applies is listed")
            return None
        value = raw.get("priority")
        misspelt = "priority" not in raw and any(
            did_you_mean(str(key), ("priority",)) for key in raw if key not in RULE_KEYS)
        if misspelt:  # already reported as an unknown key, with the suggestion
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(doc, raw.value_pos.get("priority", raw.pos),
                         f"rule `{rid}` needs a whole-number `priority` in a {policy} table")
            return None
        if value in seen:
            self.at_value(doc, raw, "priority", f"priority {value} is already used by "
                          f"`{seen[value]}`; priorities must be unique")
        seen[value] = rid
        return value

    def _outputs(self, doc: Doc, raw: Any, tid: str,
                 level_ids: tuple[str, ...]) -> dict[str, Any] | None:
        spec = TABLE_SPECS[tid].outputs
        then = raw["then"]
        required = tuple(k for k, (_, needed) in spec.items() if needed)
        before = len(self.problems)
        if not self.mapping(doc, then, raw.value_pos["then"], f"the outputs of `{tid}`",
                            tuple(spec), required):
            return None
        allowed = {"level": level_ids, "insert_type": INSERT_TYPES}
        for key, value in then.items():
            kind = spec.get(key, ("", False))[0]
            if kind in allowed and value not in allowed[kind]:
                self.at_value(doc, then, key, f"`{value}` is not a valid {key}"
                              f"{did_you_mean(value, allowed[kind])}; expected one of "
                              f"{', '.join(allowed[kind])}")
            elif kind == "bool" and not isinstance(value, bool):
                self.at_value(doc, then, key, f"`{key}` must be true or false")
            elif kind in ("text", "name") and (not isinstance(value, str) or not value.strip()):
                self.at_value(doc, then, key, f"`{key}` must be text, not {_kind(value)}")
        return None if len(self.problems) > before else dict(then)

    def _invariants(self, entries: list[tuple[Doc, Any, tuple[int, int]]],
                    questions: dict[str, tuple[Question, ...]], derived: list[Rule],
                    level_ids: tuple[str, ...]) -> list[Invariant]:
        out = []
        for doc, raw, pos in entries:
            if not self.mapping(doc, raw, pos, _named(raw, "invariant"), INVARIANT_KEYS,
                                ("id", "applies_to", "when", "expect", "source")):
                continue
            iid = self.claim_id(doc, raw, "an invariant")
            stage = raw.get("applies_to")
            if stage not in STAGES:
                self.at_value(doc, raw, "applies_to", f"`applies_to` must be one of "
                              f"{', '.join(STAGES)}{did_you_mean(stage, STAGES)}")
                continue
            if "when" not in raw or "expect" not in raw:
                continue
            facts = self._facts_for(stage, questions, derived, PIPELINE_FACTS[stage], level_ids)
            when = self.condition(doc, raw["when"], raw.value_pos["when"], facts)
            expect = self.condition(doc, raw["expect"], raw.value_pos["expect"], facts)
            source = self.text(doc, raw, "source", f"invariant `{iid}`")
            if when is not None and expect is not None:
                out.append(Invariant(iid, stage, when, expect, source, doc.display, pos[0],
                                     self.text(doc, raw, "description", iid, required=False)))
        return out

    def _test_cases(self, doc: Doc | None, raw: Any, questions: dict[str, tuple[Question, ...]],
                    tables: dict[str, Table],
                    level_ids: tuple[str, ...]) -> dict[str, list[dict[str, Any]]]:
        """The test cases kept with the rules; each keeps its place for `rules test`."""
        out: dict[str, list[dict[str, Any]]] = {stage: [] for stage in STAGES}
        if doc is None or not self.mapping(doc, raw, doc.data.value_pos["tests"], "`tests`",
                                           STAGES):
            return out
        for stage in STAGES:
            cases = raw.get(stage, [])
            if not isinstance(cases, list):
                self.at_value(doc, raw, stage, f"`{stage}` tests must be a list of cases")
                continue
            for case, pos in _located(cases):
                if not self.mapping(doc, case, pos, "a test case", TEST_KEYS, TEST_KEYS[:3]):
                    continue
                self.text(doc, case, "name", "a test case")
                if "answers" in case:
                    self._test_answers(doc, case, questions[stage])
                if "expect" in case:
                    self._test_expect(doc, case, stage, tables, level_ids)
                out[stage].append({**_plain(case), "file": doc.display, "line": pos[0],
                                   "column": pos[1]})
        return out

    def _test_answers(self, doc: Doc, case: Any, questions: tuple[Question, ...]) -> None:
        from insertadvisor.answers import AnswerError, parse_answer

        answers = case["answers"]
        if not self.mapping(doc, answers, case.value_pos["answers"], "the answers of a test",
                            tuple(q.id for q in questions),
                            tuple(q.id for q in questions if q.required)):
            return
        by_id = {q.id: q for q in questions}
        for key, value in answers.items():
            if key in by_id:
                try:
                    parse_answer(by_id[key], _plain(value), f"`{key}`")
                except (AnswerError, TypeError, ValueError) as exc:  # a broken question, too
                    self.at_value(doc, answers, key, str(exc))

    def _test_expect(self, doc: Doc, case: Any, stage: str, tables: dict[str, Table],
                     level_ids: tuple[str, ...]) -> None:
        expect = case["expect"]
        kinds = TEST_EXPECT[stage]
        if not self.mapping(doc, expect, case.value_pos["expect"], "the expected outcome of a "
                            "test", tuple(kinds)):
            return
        for key, value in expect.items():
            kind = kinds.get(key)
            if kind == "bool":
                if not isinstance(value, bool):
                    self.at_value(doc, expect, key, f"`{key}` must be true or false")
                continue
            if kind in ("referrals", "checkin"):
                table = tables.get(kind)
                ids = [rid for rid, tid in self.rule_tables.items() if tid == kind]
                if not isinstance(value, list):
                    self.at_value(doc, expect, key, f"`{key}` must be a list of rule ids "
                                  "(in the order they are listed)")
                    continue
                for item, ipos in _located(value):
                    if item not in ids and table is not None:
                        self.problem(doc, ipos, f"`{item}` is not a rule of table `{kind}`"
                                     f"{did_you_mean(item, ids)}")
                continue
            allowed = level_ids if kind == "level" else INSERT_TYPES if kind else ()
            if kind and value not in allowed:
                self.at_value(doc, expect, key, f"`{value}` is not a valid {key}"
                              f"{did_you_mean(value, allowed)}; expected one of "
                              f"{', '.join(allowed)}")


def _value_pos(mapping: Any, key: Any) -> tuple[int, int]:
    """Where the value of `key` is written (the mapping's own position if unknown)."""
    return getattr(mapping, "value_pos", {}).get(key, _pos(mapping))  # type: ignore[no-any-return]


def _named(raw: Any, what: str) -> str:
    """`rule `x`` when the entry has a usable id, else `a rule`."""
    rid = raw.get("id") if isinstance(raw, dict) else None
    article = "an" if what[0] in "aeiou" else "a"
    return f"{what} `{rid}`" if isinstance(rid, str) and rid else f"{article} {what}"


def yaml_message(message: str) -> str:
    """PyYAML's wording, made plainer where rule authors often trip."""
    if "'\\t'" in message:
        return "invalid YAML: a tab character; indent with spaces, never tabs"
    return message


def _located(items: Any) -> list[tuple[Any, tuple[int, int]]]:
    """Each item of a list with its position."""
    positions = getattr(items, "item_pos", [_pos(items)] * len(items))
    return list(zip(items, positions, strict=True))


def _pos(value: Any) -> tuple[int, int]:
    return getattr(value, "pos", (1, 1))


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    return {bool: "true/false", int: "a number", float: "a number", str: f"`{value}`",
            list: "a list", dict: "a mapping"}.get(type(value), "a mapping"
                                                   if isinstance(value, dict) else
                                                   "a list" if isinstance(value, list)
                                                   else type(value).__name__)


def _yes_no(value: Any) -> Any:
    """YAML 1.1 reads `yes`/`no` as booleans; in rules they are always the words."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def _plain(value: Any) -> Any:
    """Located containers to plain ones, so test cases can be cached with marshal."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value
