"""A result as a FHIR Bundle: `--output result.fhir.json` and `batch --format fhir`.

Every Bundle written for the rule set's worked examples is valid R4; it holds the
QuestionnaireResponse of the answers (which gives the same result again) and a
GuidanceResponse whose module, outputs and notes are the result's. No RiskAssessment and
no SNOMED CT. FHIR stays off the hot path and no FHIR library is imported by src/.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest

from insertadvisor import fhir
from insertadvisor.answers import complete, parse_mapping
from insertadvisor.assessment import result as make_result
from insertadvisor.fhir import codes
from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.model import Ruleset

from .conftest import CORE_FLAGS, V1, run_cli
from .fhir_r4 import conforms, validate
from .test_hot_path import modules_after

SRC = Path(__file__).resolve().parent.parent / "src" / "insertadvisor"


def _results(ruleset: Ruleset, stage: str) -> list[dict[str, Any]]:
    questions = ruleset.questions[stage]
    return [dict(make_result(ruleset, stage, complete(questions, parse_mapping(
        questions, case.get("answers") or {}, "case", stage=stage))))
        for case in ruleset.tests.get(stage, [])]


def _guidance(made: dict[str, Any]) -> dict[str, Any]:
    return next(e["resource"] for e in made["entry"]
                if e["resource"]["resourceType"] == "GuidanceResponse")


def _outputs(made: dict[str, Any]) -> list[dict[str, Any]]:
    return _guidance(made)["contained"][0]["parameter"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("stage", ["assess", "checkin"])
@pytest.mark.parametrize("rules", [packaged_rules_dir(), V1])
def test_every_bundle_is_valid_r4_and_says_what_the_result_says(rules: Path,
                                                                stage: str) -> None:
    ruleset = load_ruleset(rules)
    form = fhir.questionnaire(ruleset, stage)
    evidence = {t for t, section in ruleset.report.topics.items() if section == "evidence"}
    for result in _results(ruleset, stage):
        made = fhir.bundle(ruleset, result)  # type: ignore[arg-type]
        validate(made)
        assert made["type"] == "collection"
        kinds = [e["resource"]["resourceType"] for e in made["entry"]]
        assert kinds == ["QuestionnaireResponse", "GuidanceResponse"]
        conforms(made["entry"][0]["resource"], form)
        guidance = _guidance(made)
        assert guidance["status"] == "success"
        module = guidance["moduleCodeableConcept"]["coding"]
        assert module[0]["code"] == ruleset.name and module[0]["version"] == ruleset.version
        assert module[1]["code"] == ruleset.sha256
        outputs = _outputs(made)
        assert outputs[0]["valueCoding"]["code"] == result["triage"]
        referrals = [p for p in outputs if p["name"] == "referral"]
        assert [p["part"][-1]["valueString"] for p in referrals] == \
            [r["rule"] for r in result["referrals"]]
        if stage == "assess":
            (insert,) = (p for p in outputs if p["name"] == "insert")
            assert insert["part"][0]["valueCoding"]["code"] == result["insert"]["type"]
        notes = [n["text"] for n in guidance["note"]]
        assert notes == [result["disclaimer"]] + [a["text"] for a in result["advice"]
                                                  if a["topic"] in evidence]
        text = json.dumps(made)
        assert "RiskAssessment" not in text and "snomed" not in text.lower()


def test_the_bundle_s_response_gives_the_same_result_again(tmp_path: Path) -> None:
    ruleset = load_ruleset(packaged_rules_dir())
    for number, result in enumerate(_results(ruleset, "assess")[:40]):
        response = fhir.bundle(ruleset, result)["entry"][0]["resource"]  # type: ignore[arg-type]
        path = tmp_path / f"{number}.json"
        path.write_text(json.dumps(response), encoding="utf-8")
        again = run_cli(["assess", "--json", "--answers", str(path)])
        assert again.status == 0, again.stderr
        assert json.loads(again.stdout) == result


@pytest.mark.parametrize(("command", "flags"), [
    ("assess", CORE_FLAGS), ("checkin", ["--weeks-wearing", "3"])])
def test_output_fhir_json_writes_the_bundle(on_v1: Ruleset, tmp_path: Path, command: str,
                                            flags: list[str]) -> None:
    target = tmp_path / "result.FHIR.json"
    done = run_cli([command, *flags, "--json", "--output", str(target)])
    assert done.status == 0, done.stderr
    written = json.loads(target.read_text(encoding="utf-8"))
    validate(written)
    assert written == fhir.bundle(on_v1, json.loads(done.stdout))
    plain = tmp_path / "result.json"
    run_cli([command, *flags, "--output", str(plain)])
    assert json.loads(plain.read_text(encoding="utf-8")) == json.loads(done.stdout)


def test_a_name_that_is_only_the_fhir_suffix_is_refused(on_v1: Ruleset,
                                                        tmp_path: Path) -> None:
    done = run_cli(["assess", *CORE_FLAGS, "--output", str(tmp_path / ".fhir.json")])
    assert done.status == 2 and "give a name such as report.fhir.json" in done.stderr
    bad = run_cli(["assess", *CORE_FLAGS, "--output", str(tmp_path / "r.pdf")])
    assert bad.status == 2 and ".json, .fhir.json" in bad.stderr
    assert list(tmp_path.iterdir()) == []


def test_batch_format_fhir_writes_one_bundle_per_line_and_keeps_error_lines(
        on_v1: Ruleset) -> None:
    good = {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": None,
            "pain_weeks": 3}
    response = fhir.response(on_v1, "assess", good)
    lines = [json.dumps(good), "nope", json.dumps(response), json.dumps({"arch": "flat"})]
    done = run_cli(["batch", "--format", "fhir"], "\n".join(lines) + "\n")
    assert done.status == 2 and "2 of 4 records rejected" in done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    assert len(out) == 4 and all("\n" not in line for line in done.stdout.splitlines())
    expected = fhir.bundle(on_v1, make_result(on_v1, "assess", complete(
        on_v1.questions["assess"], parse_mapping(on_v1.questions["assess"], good, "x"))))
    assert out[0] == expected and out[2] == expected
    validate(out[0])
    assert [o.get("kind") for o in out] == [None, "error", None, "error"]
    assert out[1]["line"] == 2 and out[3]["line"] == 4


def test_batch_reads_a_questionnaire_response_line_in_jsonl_too(on_v1: Ruleset) -> None:
    good = {"arch": "flat", "overpronation": "yes", "leg_length_diff_mm": None,
            "pain_weeks": 3}
    lines = [json.dumps(good), json.dumps(fhir.response(on_v1, "assess", good))]
    done = run_cli(["batch"], "\n".join(lines) + "\n")
    assert done.status == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first == second and first["kind"] == "assessment"
    wrong = dict(fhir.response(on_v1, "assess", good), questionnaire="urn:x|1")
    bad = run_cli(["batch"], json.dumps(wrong) + "\n")
    (line,) = (json.loads(x) for x in bad.stdout.splitlines())
    assert line["kind"] == "error" and line["error"].startswith("line 1: the Questionnaire")


def test_an_unknown_batch_format_names_fhir_too() -> None:
    done = run_cli(["batch", "--format", "xml"], "")
    assert done.status == 2 and "or fhir (FHIR Bundles out)" in done.stderr


def _modules(args: list[str], cache: Path) -> set[str]:
    return modules_after(args, cache)[0]


def test_fhir_is_imported_only_when_asked_for(tmp_path: Path) -> None:
    answers = tmp_path / "a.json"
    answers.write_text(json.dumps({"arch": "flat", "overpronation": "yes",
                                   "leg_length_diff_mm": None, "pain_weeks": 3}))
    flags = ["assess", *CORE_FLAGS, "--json"]
    _modules(flags, tmp_path)  # builds the cache
    for args in (flags, ["assess", "--answers", str(answers), "--json"]):
        loaded = _modules(args, tmp_path)
        assert not {m for m in loaded if m.startswith(("insertadvisor.fhir", "fhirclient"))}
    ruleset = load_ruleset(packaged_rules_dir())
    response = tmp_path / "r.json"
    response.write_text(json.dumps(fhir.response(ruleset, "assess", json.loads(
        answers.read_text()))))
    loaded = _modules(["assess", "--answers", str(response), "--json"], tmp_path)
    assert "insertadvisor.fhir" in loaded and "fhirclient" not in loaded


def test_no_fhir_library_is_used_by_the_package() -> None:
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for library in ("fhirclient", "fhir.resources", "fhir_core"):
            assert f"import {library}" not in text and f"from {library}" not in text, path


def test_the_codes_are_the_rule_set_s_own_ids() -> None:
    """Every code system is this rule set's own, ISO 3166 (a region's countries) or FHIR's
    own item controls: no SNOMED CT, no LOINC."""
    ruleset = load_ruleset(packaged_rules_dir())
    allowed = (codes.base(ruleset) + ":", codes.RULESET_SYSTEM, "urn:iso:std:iso:3166",
               codes.ITEM_CONTROL_SYSTEM)
    made = [fhir.questionnaire(ruleset, stage, region) for stage in ("assess", "checkin")
            for region in ruleset.regions]
    made += [fhir.bundle(ruleset, r) for r in _results(ruleset, "assess")]  # type: ignore[arg-type]
    systems = {v for m in made for k, v in _pairs(m) if k == "system"}
    assert systems and all(s.startswith(allowed) for s in systems), systems


def _pairs(value: Any) -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in [(k, v), *_pairs(v)]]
    if isinstance(value, list):
        return [p for v in value for p in _pairs(v)]
    return []


def test_a_batch_builds_the_questionnaire_once_per_rule_set_stage_and_region(
        monkeypatch: pytest.MonkeyPatch) -> None:
    module = importlib.import_module("insertadvisor.fhir.response")  # not fhir.response()
    ruleset = load_ruleset(packaged_rules_dir())
    built: list[Any] = []
    real = module.questionnaire
    monkeypatch.setattr(module, "_FORMS", {})
    def counted(*args: Any) -> Any:
        built.append(args[1:])
        return real(*args)

    monkeypatch.setattr(module, "questionnaire", counted)
    results = _results(ruleset, "assess")
    regions = {r["answers"].get("region") for r in results}
    for result in results:
        assert fhir.bundle(ruleset, result)  # type: ignore[arg-type]
    assert sorted(built, key=repr) == sorted({("assess", r) for r in regions}, key=repr)
