"""`rules`: validate, check, test, list and show a rule set (for clinicians and rule authors).

validate, check and test exit 3 when they find problems, each written to stderr as
`file:line:column: message`; they exit 0 when the rule set is clean.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from insertadvisor.commands.common import JsonOption, RulesOption
from insertadvisor.environment import Environment
from insertadvisor.errors import (
    ExitStatus,
    InputError,
    Problem,
    RulesetError,
    note_failure,
    one_line,
)
from insertadvisor.flows import write_json
from insertadvisor.loading import shown_path
from insertadvisor.model import Invariant, Rule, Ruleset

if TYPE_CHECKING:
    from insertadvisor.results import Provenance

DirArgument = Annotated[
    Path | None,
    typer.Argument(metavar="[DIR]", show_default=False,
                   help="Rule-set folder (same as --rules DIR)."),
]


def rules_dir(env: Environment, directory: Path | None, rules: Path | None) -> Path:
    """DIR, else --rules, else $INSERTADVISOR_RULES (from the command's environment), else
    the rule set shipped with insertadvisor."""
    if directory is not None and rules is not None and directory != rules:
        raise InputError(f"two rule sets given ({directory} and --rules {rules}); give one")
    return env.rules_dir(directory or rules)


def load(env: Environment, directory: Path | None, rules: Path | None,
         *, use_cache: bool = True, json_kind: str | None = None) -> tuple[Path, Ruleset]:
    """The rule set to work on. An invalid one raises RulesetError (exit 3, each problem
    on stderr); with `json_kind` (--json), stdout first gets a JSON object saying so,
    `"ok": false` with the problems, so a script reading stdout is never left with
    nothing."""
    from insertadvisor.loading import load_ruleset

    where = rules_dir(env, directory, rules)
    try:
        return where, load_ruleset(where, cache=env.cache_dir, use_cache=use_cache)
    except RulesetError as exc:
        if json_kind is not None:
            note_failure(ExitStatus.INVALID_RULES)  # whatever happens to stdout
            write_json({"kind": json_kind, "ok": False, "valid": False,
                        "directory": shown_path(where),
                        "problems": [_problem_json(p) for p in exc.problems]}, env.stdout)
        raise


def located(where: Path, file: str, line: int, message: str) -> Problem:
    """A problem at a rule set's file (named as in the rule set, e.g. rules/inserts.yaml),
    at the first word of `line`."""
    path = where / Path(file).name
    column = 1
    try:
        text = path.read_text(encoding="utf-8").splitlines()[line - 1]
        stripped = text.lstrip(" ")
        stripped = stripped.removeprefix("- ").lstrip(" ") if stripped.startswith("- ") \
            else stripped
        column = len(text) - len(stripped) + 1
    except (OSError, IndexError, UnicodeDecodeError):
        pass
    return Problem(shown_path(path), line, column, message)


def fail(env: Environment, command: str, problems: list[Problem]) -> None:
    """Write the problems to stderr, one line each, and exit 3."""
    for problem in problems:
        env.stderr.write(f"{one_line(str(problem))}\n")
    count = len(problems)
    env.stderr.write(f"insertadvisor: rules {command}: {count} problem"
                     f"{'s' if count != 1 else ''}\n")
    env.stderr.flush()
    raise typer.Exit(ExitStatus.INVALID_RULES)


def _problem_json(problem: Problem) -> dict[str, Any]:
    return {"file": problem.file, "line": problem.line, "column": problem.column,
            "message": one_line(problem.message)}


def provenance(ruleset: Ruleset) -> Provenance:
    from insertadvisor.assessment import provenance as of

    return of(ruleset)


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


# -- validate ----------------------------------------------------------------------------


def do_validate(env: Environment, directory: Path | None, rules: Path | None,
                json_out: bool) -> None:
    where, ruleset = load(env, directory, rules, use_cache=False,  # problems raise: exit 3
                          json_kind="rules-validate" if json_out else None)
    from insertadvisor.loading import rule_files

    counts = {
        "files": len(rule_files(where)),
        "derived": len({r.id for rules in ruleset.derived.values() for r in rules}),
        "tables": len(ruleset.tables),
        "rules": sum(len(t.rules) for t in ruleset.tables.values()),
        "invariants": len(ruleset.invariants),
        "tests": sum(len(cases) for cases in ruleset.tests.values()),
    }
    if json_out:
        write_json({"kind": "rules-validate", "ok": True, "ruleset": provenance(ruleset),
                    "directory": shown_path(where), **counts}, env.stdout)
        return
    env.stdout.write(
        f"OK: {ruleset.name} {ruleset.version} ({shown_path(where)}, sha256 "
        f"{ruleset.sha256[:12]}) is valid: files {counts['files']}, derived facts "
        f"{counts['derived']}, tables {counts['tables']}, rules {counts['rules']}, "
        f"invariants {counts['invariants']}, "
        f"test cases {counts['tests']}.\n")


# -- check -------------------------------------------------------------------------------


def do_check(env: Environment, directory: Path | None, rules: Path | None,
             json_out: bool, budget: float | None = None) -> None:
    from insertadvisor.checker import OverBudget, check

    if budget is not None and not math.isfinite(budget):
        raise InputError(f"--time-budget {budget}: give a number of seconds, more than 0")
    where, ruleset = load(env, directory, rules,
                          json_kind="rules-check" if json_out else None)
    shown = _Progress(env) if env.stderr_isatty else None
    try:
        report = check(ruleset, budget=budget, progress=shown)
    except OverBudget as exc:
        note_failure(ExitStatus.INVALID_RULES)  # not proved: a failure, whatever stdout does
        if json_out:
            write_json({"kind": "rules-check", "ok": False, "finished": False,
                        "ruleset": provenance(ruleset), "directory": shown_path(where),
                        "nodes": exc.nodes, "problems": [{"kind": "time_budget",
                                                          "message": str(exc)}]}, env.stdout)
        raise
    finally:
        if shown is not None:
            shown.clear()
    problems = []
    if report.findings:  # a failure, whatever happens to the output (`rules check | head`)
        note_failure(ExitStatus.INVALID_RULES)
    for finding in report.findings:
        message = finding.message
        if finding.counterexample is not None:
            message += f"; answers: {_compact(finding.counterexample)}"
        problems.append(located(where, finding.file, finding.line, message))
    if json_out:
        write_json(_check_json(ruleset, where, report, problems), env.stdout)
    else:
        env.stdout.write(_check_text(ruleset, where, report))
    if problems:
        fail(env, "check", problems)


class _Progress:
    """`rules check` still going, on one line of a terminal's stderr."""

    __slots__ = ("env", "shown")

    def __init__(self, env: Environment) -> None:
        self.env = env
        self.shown = False

    def __call__(self, nodes: int, seconds: float) -> None:
        self.env.stderr.write(f"\rrules check: {nodes:,} nodes searched, {seconds:.0f} s")
        self.env.stderr.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.env.stderr.write("\r\x1b[K")
            self.env.stderr.flush()


def _check_json(ruleset: Ruleset, where: Path, report: Any,
                problems: list[Problem]) -> dict[str, Any]:
    return {
        "kind": "rules-check", "ok": report.ok, "ruleset": provenance(ruleset),
        "directory": shown_path(where), "seconds": round(report.seconds, 4),
        "combinations": report.combinations,
        "stages": [{"stage": s.stage, "combinations": s.combinations, "nodes": s.nodes,
                    "checks": s.checks, "points": s.points, "classes": s.classes}
                   for s in report.stages],
        "tables": [{"id": t, "hit_policy": p, "rules": n} for t, p, n in report.tables],
        "invariants": report.invariants,
        "problems": [{"file": p.file, "line": p.line, "column": p.column, "kind": f.kind,
                      "subject": f.subject, "stage": f.stage, "message": f.message,
                      "counterexample": f.counterexample}
                     for p, f in zip(problems, report.findings, strict=True)],
    }


def _check_text(ruleset: Ruleset, where: Path, report: Any) -> str:
    from insertadvisor.conditions import show_value

    lines = [f"Checked {ruleset.name} {ruleset.version} ({shown_path(where)}) in "
             f"{report.seconds:.2f} s, over every answer set:"]
    for stage in report.stages:
        lines.append(f"  {stage.stage}: {stage.combinations:,} combinations of answer "
                     f"classes, proved with a {stage.nodes:,}-node decision tree")
        for fact, points in stage.points.items():
            lines.append(f"    {fact}: {', '.join(show_value(p) for p in points)}")
        for fact, classes in stage.classes.items():
            shown = "; ".join(", ".join(c) for c in classes)
            lines.append(f"    {fact}: {len(classes)} classes of alike items ({shown})")
    failed_tables = {f.subject for f in report.findings if f.kind in ("gap", "overlap")}
    shadowed = {f.subject for f in report.findings if f.kind == "shadowed"}
    lines.append("  tables:")
    for tid, policy, count in report.tables:
        table = ruleset.tables[tid]
        bad = [r.id for r in table.rules if r.id in shadowed]
        verdict = []
        if policy != "collect":
            verdict.append("a gap" if tid in failed_tables else "no gap")
        if policy == "unique":
            verdict.append("checked for overlaps")
        verdict.append(f"{len(bad)} rules never fire" if bad else "every rule can fire")
        lines.append(f"    {tid} ({policy}, {count} rules): {'; '.join(verdict)}")
    broken = {f.subject for f in report.findings if f.kind in ("invariant", "monotone", "text")}
    # an invariant whose `when` is never true holds for no reason: not counted as holding
    idle = {part for f in report.findings if f.kind == "never_applies" for part in f.parts}
    lines.append(f"  invariants ({len(report.invariants)}):")
    lines += [f"    {i}: " + ("FAILS" if i in broken else "NEVER APPLIES (its when is never "
                              "true)" if i in idle else "holds") for i in report.invariants]
    if report.ok:
        lines.append(f"OK: no gap, no overlap, no rule that never fires; all "
                     f"{len(report.invariants)} invariants hold.")
    else:
        count = len(report.findings)
        plural = "s" if count != 1 else ""
        lines.append(f"FAILED: {count} problem{plural} (listed on stderr, each with answers "
                     "that show it).")
    return "\n".join(lines) + "\n"


# -- diff --------------------------------------------------------------------------------


def do_diff(env: Environment, old_dir: Path, new_dir: Path, json_out: bool,
            exit_code: bool) -> None:
    from insertadvisor.checker.diff import diff

    old_where, old = load(env, old_dir, None)
    new_where, new = load(env, new_dir, None)
    report = diff(old, new)
    if json_out:
        write_json(_diff_json(report, old_where, new_where), env.stdout)
    else:
        env.stdout.write(_diff_text(report, old_where, new_where))
    if exit_code and not report.same:
        env.stdout.flush()
        raise typer.Exit(1)


def _diff_json(report: Any, old_where: Path, new_where: Path) -> dict[str, Any]:
    return {
        "kind": "rules-diff", "same": report.same,
        "old": {"ruleset": provenance(report.old), "directory": str(old_where)},
        "new": {"ruleset": provenance(report.new), "directory": str(new_where)},
        "seconds": round(report.seconds, 4),
        "stages": [{"stage": s.stage, "cells": s.cells, "nodes": s.nodes}
                   for s in report.stages],
        "questions": [q.to_json() for q in report.questions],
        "differences": [{"stage": d.stage, "what": d.what, "subject": d.subject,
                         "old": d.old, "new": d.new, "cells": d.cells,
                         "direction": d.direction, "example": d.example,
                         "old_example": d.old_example, "rules": d.rules}
                        for d in report.differences],
    }


def _diff_text(report: Any, old_where: Path, new_where: Path) -> str:
    from insertadvisor.checker.diff import LESS

    old, new = report.old, report.new
    lines = [f"Compared {old.name} {old.version} ({old_where}) with {new.name} "
             f"{new.version} ({new_where}) in {report.seconds:.2f} s, over every answer set:"]
    for stage in report.stages:
        lines.append(f"  {stage.stage}: {stage.cells:,} cells, {stage.nodes:,} nodes")
    if report.questions:
        lines.append("Questions:")
        lines += [f"  {q.stage}: {q.question} {q.change}: {q.detail}" for q in report.questions]
    group = None
    for d in report.differences:
        if d.direction != group:
            group = d.direction
            title = {"less_urgent": "LESS URGENT (check these first)",
                     "more_urgent": "More urgent", "neither": "Other changes"}[group]
            lines.append(f"{title}:")
        mark = "! " if d.direction == LESS else "  "
        name = d.what if d.subject == d.what else f"{d.what} {d.subject}"
        lines.append(f"{mark}{d.stage} {name}: {_shown(d.old)} -> "
                     f"{_shown(d.new)} ({d.cells:,} cells)")
        why = [f"+{r}" for r in d.rules["new_only"]] + [f"-{r}" for r in d.rules["old_only"]]
        if why:
            lines.append(f"    rules: {' '.join(why)}")
        lines.append(f"    for example: {_compact(d.example)}")
    count = len(report.differences)
    lines.append("No difference." if report.same else
                 f"{count} difference{'s' if count != 1 else ''}, "
                 f"{len(report.questions)} question change"
                 f"{'s' if len(report.questions) != 1 else ''}.")
    return "\n".join(lines) + "\n"


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return f"{value['rule']} ({value['urgency']})"
    if value is None:
        return "not given"
    return _plain(value)


# -- test --------------------------------------------------------------------------------


def do_test(env: Environment, directory: Path | None, rules: Path | None, json_out: bool,
            verbose: bool) -> None:
    from insertadvisor.ruletests import run_tests

    where, ruleset = load(env, directory, rules,
                          json_kind="rules-test" if json_out else None)
    results = run_tests(ruleset)
    failed = [r for r in results if not r.passed]
    if failed:  # a failure, whatever happens to the output (`rules test | head`)
        note_failure(ExitStatus.INVALID_RULES)
    problems = [located(where, r.file, r.line, one_line(f'test "{r.name}" ({r.stage}): {d}'))
                for r in failed for d in r.differences]
    if json_out:
        write_json({"kind": "rules-test", "ok": not failed, "ruleset": provenance(ruleset),
                    "passed": len(results) - len(failed), "failed": len(failed),
                    "results": [{"stage": r.stage, "name": r.name, "line": r.line,
                                 "passed": r.passed, "differences": r.differences}
                                for r in results],
                    "problems": [_problem_json(p) for p in problems]}, env.stdout)
    else:
        lines = [one_line(f"{'PASS' if r.passed else 'FAIL'} {r.stage}: {r.name}")
                 for r in results if verbose or not r.passed]
        lines.append(f"{len(results)} tests: {len(results) - len(failed)} passed, "
                     f"{len(failed)} failed ({ruleset.name} {ruleset.version}, "
                     f"{shown_path(where)})")
        env.stdout.write("\n".join(lines) + "\n")
    if problems:
        fail(env, "test", problems)


# -- list and show -----------------------------------------------------------------------


def entries(ruleset: Ruleset) -> list[Rule | Invariant]:
    """Every derived fact, rule and invariant, in the order the pipeline runs them."""
    from insertadvisor.pipeline import TABLES

    seen: dict[str, Rule] = {}
    for rules in ruleset.derived.values():
        seen.update({r.id: r for r in rules if r.id not in seen})
    out: list[Rule | Invariant] = list(seen.values())
    for tid in TABLES:
        if tid in ruleset.tables:
            out += ruleset.tables[tid].rules
    return [*out, *ruleset.invariants]


def _place(entry: Rule | Invariant) -> str:
    if isinstance(entry, Invariant):
        return f"invariant ({entry.applies_to})"
    if entry.priority is not None:
        return f"{entry.table} #{entry.priority}"
    return entry.table


def do_list(env: Environment, rules: Path | None, json_out: bool) -> None:
    _, ruleset = load(env, None, rules)
    items = entries(ruleset)
    if json_out:
        write_json([{"id": e.id, "table": _place(e), "file": e.file, "line": e.line}
                    for e in items], env.stdout)
        return
    width = max(len(e.id) for e in items)
    place_width = max(len(_place(e)) for e in items)
    lines = [f"{'ID':<{width}}  {'TABLE':<{place_width}}  WHERE"]
    lines += [f"{e.id:<{width}}  {_place(e):<{place_width}}  {e.file}:{e.line}" for e in items]
    env.stdout.write("\n".join(lines) + "\n")


def do_show(env: Environment, rule_id: str, rules: Path | None, json_out: bool) -> None:
    from insertadvisor.conditions import describe
    from insertadvisor.errors import did_you_mean

    _, ruleset = load(env, None, rules)
    found = {e.id: e for e in entries(ruleset)}
    entry = found.get(rule_id)
    if entry is None:
        raise InputError(f"no rule, derived fact or invariant `{rule_id}`"
                         f"{did_you_mean(rule_id, found)}; `insertadvisor rules list` "
                         "lists them")
    data: dict[str, Any] = {"id": entry.id, "table": _place(entry),
                            "file": entry.file, "line": entry.line}
    if isinstance(entry, Invariant):
        data |= {"applies_to": entry.applies_to, "when": describe(entry.when),
                 "expect": describe(entry.expect)}
    else:
        table = ruleset.tables.get(entry.table)
        if table is not None:
            data["hit_policy"] = table.hit_policy
        if entry.priority is not None:
            data["priority"] = entry.priority
        data["when"] = describe(entry.when)
        if entry.table != "derived":
            data["then"] = entry.then
    if entry.description:
        data["description"] = entry.description
    if isinstance(entry, Rule) and entry.stages:
        data["stages"] = list(entry.stages)
    data["source"] = list(entry.sources) if isinstance(entry, Rule) else [entry.source]
    data["evidence"] = entry.evidence
    if isinstance(entry, Rule) and entry.judgement:
        data["judgement"] = entry.judgement
    if json_out:
        write_json(data, env.stdout)
        return
    lines = [f"{entry.id}"]
    for key, value in data.items():
        if key == "id":
            continue
        if key == "source":  # one cited source a line, each with its address
            lines.append("  source:")
            lines += [f"    - {part}" for part in value]
            continue
        if isinstance(value, dict):
            lines.append(f"  {key}:")
            lines += [f"    {k}: {_plain(v)}" for k, v in value.items()]
        else:
            lines.append(f"  {key}: {_plain(value)}")
    env.stdout.write("\n".join(lines) + "\n")


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# -- the Typer sub-app -------------------------------------------------------------------


def register(app: typer.Typer) -> None:
    group = typer.Typer(
        name="rules", no_args_is_help=True, rich_markup_mode=None, add_completion=False,
        help="Validate, check, test, diff, list and show a rule set.\n\n"
             "Example: insertadvisor rules check rules/\n\n"
             "validate, check and test exit 3 with each problem as file:line:column: "
             "message on stderr. docs/rules.md is the reference for rule authors.",
    )

    @group.command("validate")
    def validate(ctx: typer.Context, directory: DirArgument = None,
                 rules: RulesOption = None, json_out: JsonOption = False) -> None:
        """Check every rule file against the rule format; report all problems at once.

        Example: insertadvisor rules validate rules/

        Unknown keys, facts and values, wrong types, malformed conditions, duplicate ids
        and YAML errors, each as file:line:column: message (with a suggestion when a
        known name is close). Exit 3 if there is any problem.
        """
        do_validate(ctx.obj, directory, rules, json_out)

    @group.command("check")
    def check(ctx: typer.Context, directory: DirArgument = None,
              rules: RulesOption = None, json_out: JsonOption = False,
              time_budget: Annotated[float | None, typer.Option(
                  "--time-budget", metavar="SECONDS", min=0.001, show_default=False,
                  help="Stop after SECONDS: an unfinished proof fails (exit 3).")] = None,
              ) -> None:
        """Prove the rule set complete, consistent and safe for every answer set.

        Example: insertadvisor rules check rules/

        Enumerates the answers over a domain split at every threshold the rules use
        (not sampling): first-hit and unique tables have no gap, unique tables no
        overlap, no rule is shadowed, and every invariant holds. Each failure comes with
        answers that show it (usable with assess --answers -). Exit 3 on any failure.
        On a terminal, a proof longer than a second shows its progress on stderr.
        """
        do_check(ctx.obj, directory, rules, json_out, time_budget)

    @group.command("test")
    def test(ctx: typer.Context, directory: DirArgument = None,
             rules: RulesOption = None, json_out: JsonOption = False,
             verbose: Annotated[bool, typer.Option("--verbose", "-v",
                                                   help="List passing tests too.")] = False,
             ) -> None:
        """Run the test cases kept with the rules (tests.yaml) and show each difference.

        Example: insertadvisor rules test rules/ --verbose

        Each case gives answers and the expected outcome; a failure is shown as
        file:line:column: test "name": key: expected X, got Y. Exit 3 if any fails.
        """
        do_test(ctx.obj, directory, rules, json_out, verbose)

    @group.command("diff")
    def diff(ctx: typer.Context,
             old: Annotated[Path, typer.Argument(metavar="OLD", show_default=False,
                                                 help="The old rule-set folder.")],
             new: Annotated[Path, typer.Argument(metavar="NEW", show_default=False,
                                                 help="The new rule-set folder.")],
             json_out: JsonOption = False,
             exit_code: Annotated[bool, typer.Option(
                 "--exit-code", help="Exit 1 if the rule sets differ (0 if not), "
                 "like git diff.")] = False) -> None:
        """Show what changes for people between two rule sets, for every answer set.

        Example: insertadvisor rules diff old-rules/ rules/

        Every change of triage, insert, heel lift, stop_wearing or a referral, with the
        number of cells of the answer partition it covers, whether it is more or less
        urgent (less urgent first, marked !) and answers that show it.
        """
        do_diff(ctx.obj, old, new, json_out, exit_code)

    @group.command("list")
    def list_rules(ctx: typer.Context, rules: RulesOption = None,
                   json_out: JsonOption = False) -> None:
        """List every rule, derived fact and invariant with its table and place.

        Example: insertadvisor rules list --rules rules/
        """
        do_list(ctx.obj, rules, json_out)

    @group.command("show")
    def show(ctx: typer.Context,
             rule_id: Annotated[str, typer.Argument(metavar="ID", show_default=False,
                                                    help="A rule, derived fact or "
                                                    "invariant id.")],
             rules: RulesOption = None, json_out: JsonOption = False) -> None:
        """Show one rule in full: its condition, outputs, place and source.

        Example: insertadvisor rules show insert-otc-foot-factor

        An unknown ID exits 2 and suggests the closest one.
        """
        do_show(ctx.obj, rule_id, rules, json_out)

    app.add_typer(group, name="rules")
