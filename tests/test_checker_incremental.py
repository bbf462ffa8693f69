"""`rules check` computes each node from its parent's, not afresh: what changed is followed,
the rest is kept. These tests hold the shortcuts to what a full computation gives, at every
node of real searches, and show each shortcut saves what it is there to save."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from insertadvisor.checker import check, search
from insertadvisor.checker.search import Prover
from insertadvisor.checker.threevalued import State, Walk
from insertadvisor.engine import Tri, with_otherwise
from insertadvisor.loading import load_ruleset
from insertadvisor.model import Ruleset
from insertadvisor.pipeline import STAGES, Fired, MostUrgent

from .conftest import V1
from .synthetic import thresholds

MINIMAL = Path(__file__).resolve().parent / "rulesets" / "minimal"


def _verify(walk: Walk, state: State) -> None:
    """The node as a walk from nothing would compute it: every table's statuses, every
    MostUrgent level set and every fired set that is worked out."""
    ruleset = walk.ruleset
    for step, table in zip(walk.stage.steps, walk.tables, strict=True):
        if table.id not in state.fired:
            return  # a walk of fewer steps (rules diff)
        fresh = [(r, walk.ev.eval(r.when, state)[0]) for r in table.regular]
        assert state.fired[table.id] == with_otherwise(table, fresh), table.id
        for product in step.products:
            if isinstance(product, MostUrgent) and product.fact not in state.pinned:
                values, rivals = product.possible(state.fired, ruleset)
                assert state.values[product.fact] == values
                assert state.tallies[product.fact] == product.tally(state.fired, ruleset)
                lazy = state.lazy.get(product.fact)
                if len(values) > 1 and callable(lazy):
                    assert list(lazy()) == rivals
            if isinstance(product, Fired) and product.fact in state.present:
                present, absent, undecided = product.possible_items(state.fired, ruleset)
                assert (state.present[product.fact], state.absent[product.fact]) == \
                    (present, absent)
                lazy = state.lazy.get(product.fact)
                if undecided:
                    assert lazy is not None
                    assert list(lazy() if callable(lazy) else lazy) == undecided


@pytest.mark.parametrize("where", [MINIMAL, V1, "thresholds"],
                         ids=["minimal", "v1", "thresholds"])
def test_every_node_is_what_a_walk_from_nothing_computes(
        where: Path | str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    if where == "thresholds":
        where = thresholds(MINIMAL, tmp_path / "big", 60)
    assert isinstance(where, Path)
    ruleset = load_ruleset(where, use_cache=False)
    walked = []
    original = Walk.run

    def run(self: Walk, state: State, parent: State | None = None, steps: int | None = None,
            *, narrower: bool = False) -> None:
        original(self, state, parent, steps, narrower=narrower)
        _verify(self, state)
        walked.append(parent is not None)

    monkeypatch.setattr(Walk, "run", run)
    assert check(ruleset).ok
    assert sum(walked) > 20 and sum(walked) > len(walked) / 2  # most from a parent


def test_the_default_rules_keep_every_node_as_a_full_walk_would(ruleset: Ruleset,
                                                              monkeypatch: pytest.MonkeyPatch
                                                              ) -> None:
    """The same on the default rules, for the checks of one kind at a time (the whole
    proof verified node by node would take minutes)."""
    prover = Prover(ruleset, "assess")
    original = prover.walk.run
    count = [0]

    def run(state: State, parent: State | None = None, steps: int | None = None, *,
            narrower: bool = False) -> None:
        original(state, parent, steps, narrower=narrower)
        _verify(prover.walk, state)
        count[0] += 1

    monkeypatch.setattr(prover.walk, "run", run)
    findings = prover.prove(frozenset({"monotone", "gap", "overlap"}))[1]
    assert findings == [] and count[0] > 10


LEVELS = st.sampled_from([True, False, None])


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_a_tally_kept_up_to_date_is_the_tally_counted_afresh(data: st.DataObject) -> None:
    ruleset = load_ruleset(V1)
    product = STAGES["assess"].products["triage"]
    assert isinstance(product, MostUrgent)
    tables = product.keys
    statuses: dict[str, list[tuple[Any, Tri]]] = {
        t: [(r, data.draw(LEVELS)) for r in ruleset.tables[t].rules] for t in tables}
    tally = product.tally(statuses, ruleset)
    for _ in range(data.draw(st.integers(0, 6))):
        table = data.draw(st.sampled_from(sorted(tables)))
        place = data.draw(st.integers(0, len(statuses[table]) - 1))
        rule, before = statuses[table][place]
        now = data.draw(LEVELS)
        statuses[table][place] = (rule, now)
        tally = product.retally(tally, [(rule, before, now)], ruleset)
        assert tally == product.tally(statuses, ruleset)
        assert product.from_tally(tally, ruleset) == product.possible(statuses, ruleset)[0]


def test_a_split_over_a_fact_nothing_later_reads_walks_no_pipeline(
        monkeypatch: pytest.MonkeyPatch) -> None:
    prover = Prover(load_ruleset(V1), "assess")
    root = prover.initial()
    prover.walk.run(root)
    levels = root.values["triage"]
    assert len(levels) > 1
    walks = []
    original = prover.walk.run

    def run(*args: Any, **kwargs: Any) -> None:
        walks.append(args)
        original(*args, **kwargs)

    monkeypatch.setattr(prover.walk, "run", run)
    cases = prover._variants(root, ("triage",), ())
    assert walks == []
    assert sorted(c.values["triage"] for c in cases) == sorted((v,) for v in levels)
    # followed down the pipeline when a check reads what comes after it
    prover._variants(root, ("triage",), ("triage",))
    assert len(walks) == len(levels)


def test_a_split_follows_a_fact_down_the_pipeline_when_the_check_reads_later_facts(
        monkeypatch: pytest.MonkeyPatch) -> None:
    prover = Prover(load_ruleset(V1), "assess")
    asked = []
    original = prover._variants

    def variants(state: State, facts: tuple[str, ...], walked: tuple[str, ...]) -> list[State]:
        asked.append((facts, walked))
        return original(state, facts, walked)

    monkeypatch.setattr(prover, "_variants", variants)
    prover.prove(frozenset({"invariant"}))
    # on the v1 rules: splits over a derived fact and the triage it changes (those over
    # triage alone that reach here are over a fact read twice)
    assert any(walked for _, walked in asked)
    assert all(set(walked) <= set(facts) for facts, walked in asked)


def test_one_engine_run_confirms_every_rule_it_fires(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    from insertadvisor.checker import checks

    runs = []
    original = checks.engine

    def engine(*args: Any) -> Any:
        runs.append(args)
        return original(*args)

    monkeypatch.setattr(checks, "engine", engine)
    n = 400
    report = check(load_ruleset(thresholds(MINIMAL, tmp_path / "big", n), use_cache=False))
    assert report.ok
    assert len(runs) < n / 10  # a run per rule would be over 400
    # and without sharing, every rule is confirmed by a run of its own
    runs.clear()
    monkeypatch.setattr(checks.Checks, "share", lambda self, answers: None)
    assert check(load_ruleset(thresholds(MINIMAL, tmp_path / "again", n),
                              use_cache=False)).ok
    assert len(runs) > n


def test_a_set_of_fired_rules_nothing_reads_is_not_worked_out(tmp_path: Path) -> None:
    ruleset = load_ruleset(MINIMAL)
    prover = Prover(ruleset, "assess")
    root = prover.initial()
    prover.walk.run(root)
    read = prover.walk.needed
    assert read is not None
    for fact, product in prover.walk.stage.products.items():
        if isinstance(product, Fired):
            assert (fact in root.present) == (fact in read), fact
    assert any(isinstance(p, Fired) and f not in read
               for f, p in prover.walk.stage.products.items())


def test_halving_and_sharing_keep_what_the_search_finds_on_many_thresholds(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A planted never-firing rule among many thresholds is still found, with or
    without halving."""
    where = thresholds(MINIMAL, tmp_path / "big", 120)
    text = (where / "tables.yaml").read_text(encoding="utf-8")
    (where / "tables.yaml").write_text(text.replace("{pain_weeks: {gte: 60}}",
                                                    "{pain_weeks: {gte: 60, lt: 60}}"),
                                       encoding="utf-8")
    ruleset = load_ruleset(where, use_cache=False)
    found = {(f.kind, f.subject) for f in check(ruleset).findings}
    assert ("shadowed", "routine-weeks-60") in found or \
        ("never_true", "routine-weeks-60") in found or \
        any(s == "routine-weeks-60" for _, s in found), found
    monkeypatch.setattr(search, "SPLIT", 10**9)
    assert {(f.kind, f.subject) for f in check(ruleset).findings} == found


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))


@pytest.mark.parametrize("where", [MINIMAL, V1, None], ids=["minimal", "v1", "default"])
def test_splits_skipped_as_useless_would_have_settled_nothing(
        where: Path | None, ruleset: Ruleset, monkeypatch: pytest.MonkeyPatch) -> None:
    """A case split over facts each read by one leaf, that changes nothing downstream, is
    skipped (Kleene's logic is exact for a condition that reads a value once). Forcing
    every such split must change nothing: the same tree, the same findings."""
    from insertadvisor.checker import checks

    chosen = ruleset if where is None else load_ruleset(where, use_cache=False)

    def proof() -> tuple[list[int], list[tuple[str, str]]]:
        report = check(chosen)
        return [s.nodes for s in report.stages], [(f.kind, f.subject) for f in report.findings]

    skipped = proof()
    original = checks.Checks.invariant

    def forced(self: checks.Checks, inv: Any, part: Any) -> checks.Check:
        made = original(self, inv, part)
        made.repeated = made.reads  # as if every fact were read twice: split it
        return made

    monkeypatch.setattr(checks.Checks, "invariant", forced)
    splits = []
    split = search.Prover._split

    def counted(self: search.Prover, check: checks.Check, state: State) -> str | None:
        verdict = split(self, check, state)
        splits.append(verdict)
        return verdict

    monkeypatch.setattr(search.Prover, "_split", counted)
    assert proof() == skipped
    assert splits  # the forced proof did split


def test_the_proof_runs_on_a_thread_of_its_own_and_its_failures_reach_the_caller(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """check() runs the search on a fresh thread (CPython 3.11's frame chunks: see
    checker._on_a_thread_of_its_own); what the search raises is raised by check()."""
    import threading

    from insertadvisor import checker

    seen = []
    original = checker._check

    def spy(*args: Any) -> Any:
        seen.append(threading.current_thread() is not threading.main_thread())
        return original(*args)

    monkeypatch.setattr(checker, "_check", spy)
    assert check(load_ruleset(MINIMAL)).ok and seen == [True]

    def broken(*args: Any) -> Any:
        raise checker.OverBudget(1.0, 5)

    monkeypatch.setattr(checker, "_check", broken)
    with pytest.raises(checker.OverBudget, match="time budget of 1 s"):
        check(load_ruleset(MINIMAL))


def test_ctrl_c_stops_a_long_proof_at_once(tmp_path: Path) -> None:
    """The proof's thread is a daemon: Ctrl-C ends `rules check` with 130 and one line,
    without waiting for the search to finish."""
    import signal
    import subprocess
    import time

    from .conftest import installed_command

    where = thresholds(MINIMAL, tmp_path / "bands", 6000, bands=True)  # seconds of search
    # compiled and cached first, so that the interrupted run is searching, not reading
    filled = subprocess.run([*installed_command(), "rules", "check", "--time-budget", "0.001",
                             str(where)], capture_output=True, check=False)
    assert filled.returncode == 3, filled.stderr  # loaded, cached, and over its budget
    process = subprocess.Popen([*installed_command(), "rules", "check", str(where)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(1.5)  # loaded and searching
    assert process.poll() is None, "the proof finished before it was interrupted"
    sent = time.monotonic()
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert time.monotonic() - sent < 3  # not the seconds the search has left
    assert process.returncode == 130
    assert stderr.decode() == "insertadvisor: interrupted\n"


def test_ctrl_c_asks_the_proofs_thread_to_stop_and_waits_for_it() -> None:
    """Ctrl-C while check() waits: the thread is told to stop, unwinds (freeing its
    tree), and KeyboardInterrupt reaches the caller."""
    import signal
    import threading

    from insertadvisor import checker

    state = {"stopped": False}

    import time

    main = threading.main_thread().ident
    assert main is not None

    def work(stop: Any) -> Any:
        threading.Timer(0.05, signal.pthread_kill, (main, signal.SIGINT)).start()
        deadline = time.monotonic() + 10
        while not stop():
            assert time.monotonic() < deadline, "never asked to stop"
            time.sleep(0.001)
        state["stopped"] = True
        raise checker.OverBudget(1.0, 1)  # whatever it raises, the interrupt wins

    with pytest.raises(KeyboardInterrupt):
        checker._on_a_thread_of_its_own(work)
    assert state["stopped"]  # it was asked to stop, and waited for


def test_the_watch_stops_the_search_when_asked() -> None:
    from insertadvisor.checker.budget import EVERY, Stopped, Watch

    asked = [False]
    watch = Watch(lambda: 0.0, stop=lambda: asked[0])
    for _ in range(EVERY * 2):
        watch.tick()
    asked[0] = True
    with pytest.raises(Stopped):
        for _ in range(EVERY):
            watch.tick()
