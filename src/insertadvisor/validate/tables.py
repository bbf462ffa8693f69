"""Derived facts and decision tables: each checked against the pipeline's declaration of
its table (hit policies, outputs) and the facts that exist where it runs."""

from __future__ import annotations

from typing import Any

from insertadvisor.conditions.grammar import FactType
from insertadvisor.errors import did_you_mean
from insertadvisor.model import INSERT_TYPES, LEVEL_IDS, Question, Rule, Table
from insertadvisor.pipeline import STAGES, TABLES, Fired, Product, TableStep, step_of
from insertadvisor.rules_io.located import kind, located, pos, value_pos
from insertadvisor.validate.files import Entry, Merged
from insertadvisor.validate.questions import RESERVED, answer_facts, stages_of
from insertadvisor.validate.reporter import Doc, Reporter
from insertadvisor.validate.wording import CITE_KEYS, CITE_REQUIRED, Sources, check_text, citation

TABLE_KEYS = ("id", "hit_policy", "description", "rules")
RULE_KEYS = ("id", "description", "priority", "when", "then", "stages", *CITE_KEYS)
DERIVED_KEYS = ("id", "description", "when", "stages", *CITE_KEYS)


class Facts:
    """The facts each stage's conditions may read, growing as the rule set is read:
    answers, then derived facts, then what each step of the pipeline adds."""

    def __init__(self, questions: dict[str, tuple[Question, ...]]) -> None:
        self.answers = {stage: answer_facts(questions[stage]) for stage in STAGES}
        self.stage = {stage: dict(known) for stage, known in self.answers.items()}
        self.derived: dict[str, set[str]] = {stage: set() for stage in STAGES}
        self.stage_rules: dict[tuple[str, str], list[str]] = {}

    def product(self, stage: str, product: Product) -> FactType | None:
        if product.kind == "level":
            return FactType("choice", LEVEL_IDS)
        if product.kind == "insert_type":
            return FactType("choice", INSERT_TYPES)
        if product.kind == "bool":
            return FactType("bool")
        if product.kind == "ids":
            ids = [r for t in product.tables for r in self.stage_rules.get((stage, t), [])]
            return FactType("set", tuple(ids))
        return None  # wording (text) is for placeholders, not for conditions

    def before(self, stage: str, table: str) -> dict[str, FactType]:
        """The facts a table's conditions may read in `stage`."""
        out = dict(self.stage[stage])
        for product in STAGES[stage].facts_before(table):
            ftype = self.product(stage, product)
            if ftype is not None:
                out[product.fact] = ftype
        return out

    def all(self, stage: str) -> dict[str, FactType]:
        """Every fact of a stage: what invariants may read."""
        out = dict(self.stage[stage])
        for product in STAGES[stage].products.values():
            ftype = self.product(stage, product)
            if ftype is not None:
                out[product.fact] = ftype
        return out

    def wording(self, stages: tuple[str, ...]) -> frozenset[str]:
        """The wording facts ({pain_duration}) that exist in every one of `stages`."""
        sets = [{p.fact for p in STAGES[s].products.values() if p.kind == "text"}
                for s in stages]
        return frozenset(set.intersection(*sets)) if sets else frozenset()


# -- derived facts -------------------------------------------------------------------------


def read_derived(merged: Merged, facts: Facts, sources: Sources,
                 out: Reporter) -> dict[str, tuple[Rule, ...]]:
    """Each stage's derived facts, in order; a later one may read an earlier one. An id
    may be defined once per stage (a fact that means the same but is read differently)."""
    by_stage: dict[str, list[Rule]] = {stage: [] for stage in STAGES}
    ids: dict[str, dict[str, tuple[str, int, int]]] = {stage: {} for stage in STAGES}
    seen: set[str] = set()  # derived ids: one definition per stage is allowed
    for doc, raw, where in merged.lists["derived"]:
        if not out.mapping(doc, raw, where, _named(raw, "derived fact"), DERIVED_KEYS,
                           ("id", "when", *CITE_REQUIRED)):
            continue
        stages = stages_of(doc, raw, _named(raw, "derived fact"), out)
        rid = ""
        for stage in stages:
            rid = out.claim_id(doc, raw, "a derived fact", ids[stage])
        if rid in out.ids and rid not in seen:  # a question's, an item's or a level's id
            first = out.ids[rid]
            out.at_value(doc, raw, "id", f"duplicate id `{rid}` (first defined at "
                                         f"{first[0]}:{first[1]}:{first[2]})")
            continue
        if rid:
            out.ids.setdefault(rid, (doc.path, *value_pos(raw, "id")))
            seen.add(rid)
        if rid in RESERVED or any(rid in facts.answers[s] for s in stages):
            out.at_value(doc, raw, "id", f"`{rid}` is already a fact; give the derived fact "
                                         "another id")
            continue
        for stage in stages:  # known even if its condition is broken: no "unknown fact"
            facts.derived[stage].add(rid)
        if "when" not in raw or not rid:
            continue
        cited = citation(doc, raw, f"derived fact `{rid}`", sources, out)
        description = out.text(doc, raw, "description", rid, required=False)
        for stage in stages:
            when = out.grammar(doc).parse(raw["when"], value_pos(raw, "when"),
                                          facts.stage[stage])
            if when is None:
                continue
            by_stage[stage].append(Rule(rid, "derived", when, {rid: True}, cited.parts,
                                        doc.display, where[0], None, description,
                                        cited.evidence, cited.judgement, cited.cites, stages))
            facts.stage[stage][rid] = FactType("bool")
    for stage, names in facts.derived.items():
        for name in names:  # a broken one is still a fact: no follow-on "unknown fact"
            facts.stage[stage].setdefault(name, FactType("bool"))
    return {stage: tuple(rules) for stage, rules in by_stage.items()}


def _named(raw: Any, what: str) -> str:
    """`rule `x`` when the entry has a usable id, else `a rule`."""
    rid = raw.get("id") if isinstance(raw, dict) else None
    article = "an" if what[0] in "aeiou" else "a"
    return f"{what} `{rid}`" if isinstance(rid, str) and rid else f"{article} {what}"


# -- tables --------------------------------------------------------------------------------


def read_tables(merged: Merged, facts: Facts, sources: Sources, allowed: frozenset[str],
                topics: dict[str, str], out: Reporter) -> dict[str, Table]:
    """The tables the pipeline declares, read in the order the stages run them."""
    entries: dict[str, Entry] = {}
    broken = out.incomplete
    for entry in merged.lists["tables"]:
        doc, raw, where = entry
        if not out.mapping(doc, raw, where, "a table", TABLE_KEYS, ("id", "hit_policy", "rules")):
            broken = True
            continue
        tid = raw.get("id")
        if tid not in TABLES:
            broken = True
            if "id" in raw:
                out.at_value(doc, raw, "id", f"unknown table `{tid}`"
                             f"{did_you_mean(str(tid), TABLES)}; tables are {', '.join(TABLES)}")
            continue
        if tid in entries:
            broken = True
            out.at_value(doc, raw, "id", f"table `{tid}` is already defined in "
                                         f"{entries[tid][0].path}")
            continue
        entries[tid] = entry
    tables: dict[str, Table] = {}
    for tid in TABLES:
        if tid not in entries:
            if merged.lists["tables"] and not broken:
                first = merged.lists["tables"][0][0]
                out.problem(first, (1, 1), f"the rule set defines no table `{tid}`")
            continue
        table = _table(entries[tid], step_of(tid), facts, sources, allowed, topics, out)
        if table is not None:
            tables[tid] = table
    return tables


def _table(entry: Entry, step: TableStep, facts: Facts, sources: Sources,
           allowed: frozenset[str], topics: dict[str, str], out: Reporter) -> Table | None:
    doc, raw, where = entry
    tid = step.table
    policy = raw.get("hit_policy")
    if policy not in step.policies:
        hint = did_you_mean(str(policy), step.policies) or f", not {kind(policy)}"
        out.at_value(doc, raw, "hit_policy", f"table `{tid}` must have hit_policy "
                                             f"{' or '.join(step.policies)}{hint}")
        return None
    if "rules" not in raw:  # reported as a missing key already (was a KeyError)
        return None
    raw_rules = raw["rules"]
    if not isinstance(raw_rules, list) or not raw_rules:
        out.at_value(doc, raw, "rules", "`rules` must be a non-empty list")
        return None
    stages = tuple(s for s, d in STAGES.items() if tid in d.tables)
    rules: list[Rule] = []
    priorities: dict[int, str] = {}
    for stage in stages:  # every id named, even a broken rule's: no follow-on "unknown id"
        facts.stage_rules[stage, tid] = [
            r["id"] for r in raw_rules if isinstance(r, dict) and isinstance(r.get("id"), str)
            and (not isinstance(r.get("stages"), list) or stage in r["stages"])]
    for rule_raw, rule_pos in located(raw_rules):
        rule = _rule(doc, rule_raw, rule_pos, step, policy, stages, priorities, facts,
                     sources, allowed, topics, out)
        if rule is not None:
            rules.append(rule)
    otherwise = [r for r in rules if r.when == ("otherwise",)]
    if len(otherwise) > 1:
        out.problem(doc, (otherwise[1].line, 5), f"table `{tid}` has more than one "
                                                 "`otherwise` rule")
    if policy != "collect":
        rules.sort(key=lambda r: (r.when == ("otherwise",), r.priority or 0))
    return Table(tid, policy, tuple(rules), doc.display, where[0])


def _rule(doc: Doc, raw: Any, where: tuple[int, int], step: TableStep, policy: str,
          table_stages: tuple[str, ...], priorities: dict[int, str], facts: Facts,
          sources: Sources, allowed: frozenset[str], topics: dict[str, str],
          out: Reporter) -> Rule | None:
    tid = step.table
    if not out.mapping(doc, raw, where, _named(raw, "rule"), RULE_KEYS,
                       ("id", "when", "then", *CITE_REQUIRED)):
        return None
    rid = out.claim_id(doc, raw, "a rule")
    priority = _priority(doc, raw, rid, policy, priorities, out)
    stages: tuple[str, ...] = ()
    if "stages" in raw:
        if not step.shared:
            out.at_key(doc, raw, "stages", f"`stages` is only for the rules of a shared table; "
                                           f"`{tid}` runs only in {', '.join(table_stages)}")
        else:
            stages = stages_of(doc, raw, f"rule `{rid}`", out)
    if "when" not in raw or "then" not in raw:
        return None
    runs_in = stages or table_stages
    whens = [out.grammar(doc).parse(raw["when"], value_pos(raw, "when"),
                                    facts.before(stage, tid), allow_otherwise=policy != "unique")
             for stage in runs_in]
    wording = facts.wording(runs_in)
    then = _outputs(doc, raw, step, allowed | wording, topics, out)
    cited = citation(doc, raw, f"rule `{rid}`", sources, out)
    when = whens[0]
    if when is None or None in whens or then is None or not rid:
        return None
    return Rule(rid, tid, when, then, cited.parts, doc.display, where[0], priority,
                out.text(doc, raw, "description", rid, required=False), cited.evidence,
                cited.judgement, cited.cites, stages)


def _priority(doc: Doc, raw: Any, rid: str, policy: str, seen: dict[int, str],
              out: Reporter) -> int | None:
    if policy == "collect":
        if "priority" in raw:
            out.at_key(doc, raw, "priority", "`priority` has no meaning in a collect table: "
                                             "every rule that applies is listed")
        return None
    value = raw.get("priority")
    misspelt = "priority" not in raw and any(
        did_you_mean(str(key), ("priority",)) for key in raw if key not in RULE_KEYS)
    if misspelt:  # already reported as an unknown key, with the suggestion
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        out.problem(doc, value_pos(raw, "priority") if "priority" in raw else pos(raw),
                    f"rule `{rid}` needs a whole-number `priority` in a {policy} table")
        return None
    if value in seen:
        out.at_value(doc, raw, "priority", f"priority {value} is already used by "
                                           f"`{seen[value]}`; priorities must be unique")
    seen[value] = rid
    return value


def _outputs(doc: Doc, raw: Any, step: TableStep, allowed: frozenset[str],
             topics: dict[str, str], out: Reporter) -> dict[str, Any] | None:
    spec = step.outputs
    then = raw["then"]
    required = tuple(k for k, o in spec.items() if o.required)
    before = len(out.problems)
    if not out.mapping(doc, then, value_pos(raw, "then"), f"the outputs of `{step.table}`",
                       tuple(spec), required):
        return None
    choices = {"level": LEVEL_IDS, "insert_type": INSERT_TYPES, "topic": tuple(topics)}
    for key, value in then.items():
        output = spec.get(key)
        if output is None:
            continue
        if output.kind in choices and value not in choices[output.kind]:
            known = choices[output.kind]
            out.at_value(doc, then, key, f"`{value}` is not a valid {key}"
                         f"{did_you_mean(str(value), known)}; expected one of "
                         f"{', '.join(known)}")
        elif output.kind == "bool" and not isinstance(value, bool):
            out.at_value(doc, then, key, f"`{key}` must be true or false")
        elif output.kind == "text":
            if not isinstance(value, str) or not value.strip():
                out.at_value(doc, then, key, f"`{key}` must be text, not {kind(value)}")
            else:
                check_text(doc, then, key, value, allowed, out)
    return None if len(out.problems) > before else {k: _strip(v) for k, v in then.items()}


def _strip(value: Any) -> Any:
    """A text with its spaces tidied, each line apart: a text may hold a list, one
    `- item` a line after its lead-in (the safety net), which every format keeps."""
    if not isinstance(value, str):
        return value
    return "\n".join(" ".join(line.split()) for line in value.splitlines() if line.strip())


def fired_products(stage: str) -> list[Fired]:
    return [p for p in STAGES[stage].products.values() if isinstance(p, Fired)]
