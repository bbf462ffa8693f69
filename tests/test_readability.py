"""Plain language, measured (issue 11 item 5): every text a person reads in the default
rule set, in every region, with every value its placeholders can take.

What is measured, and how:
- The texts: checker.wording.person_texts (questions' prompts, hints and labels, items'
  prompts, hints and shorts, the interview's gate prompts, level messages, insert labels,
  every text output of every table rule, report headings, the disclaimer), each filled in
  by validate.invariants.renderings for one region at a time; the same text twice counts
  once.
- Sentences: split after `.`, `!` or `?`, and at each item of a list inside a text (the
  rule files write lists as lines starting `- `, which the loader joins: ` - `). A list
  item is a sentence; so is a heading or a label.
- The grade: Flesch-Kincaid (textstat 0.7.3, pinned: it works offline) of all of a region's
  texts read as one document, each sentence ending in a full stop. That is the grade of
  "the rule set on average": long texts weigh what their words weigh, and a one-word
  label neither lowers nor raises it. It must be at most GRADE in every region.
- No sentence over MAX_WORDS words (textstat's word count).
- Medical words (MEDICAL, below) only with a plain explanation beside them, in the same
  text: the word followed at once by a parenthesis ("a podiatrist (foot specialist)"),
  or after a second name that is ("a podiatrist or chiropodist (foot specialist)"), or
  standing in a parenthesis after the plain words ("thin bones (osteoporosis)", "a bulge
  that bursts (an aortic aneurysm)"), or followed by an appositive (", a pressed nerve",
  ", which ...", ", the ..."), or named after the plain words in its own sentence
  ("Doctors call this cauda equina syndrome", "a condition ..., called ..."), or as an
  example of an explained word ("an inflammatory arthritis (...), such as rheumatoid
  arthritis").
  Once explained, the word may come again in that text.

A failure names the worst texts, with the rule or question they come from.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from insertadvisor.checker.wording import _wording, person_texts
from insertadvisor.loading import load_ruleset, packaged_rules_dir
from insertadvisor.model import Ruleset
from insertadvisor.pipeline import STAGES
from insertadvisor.validate.invariants import renderings

from .conftest import V1

textstat = pytest.importorskip("textstat")

GRADE = 6.0
MAX_WORDS = 25
WORST = 10  # texts named when a check fails

# Words a person may not know, with how each is written in a pattern (lower case).
MEDICAL = {
    "cauda equina": r"cauda equina",
    "orthotic": r"orthotics?|orthos[ie]s",
    "podiatrist": r"podiatrists?|podiatry",
    "chiropodist": r"chiropodists?",
    "physiotherapist": r"physiotherapists?",
    "physical therapist": r"physical therapists?",
    "neuropathy": r"neuropath\w*",
    "osteoporosis": r"osteoporosis",
    "charcot": r"charcot",
    "ischaemia": r"isch(a)?emi\w*",
    "spondyloarthritis": r"spondylo\w*",
    "sciatica": r"sciatica",
    "clinician": r"clinicians?",
    "motion-control": r"motion[- ]control",
    "medial posting": r"medial post\w*",
    "sepsis": r"sepsis",
    "aneurysm": r"aneurysms?",
    "OB-GYN": r"ob-gyn",
    "chemotherapy": r"chemotherapy",
    "inflammatory arthritis": r"inflammatory arthritis",
    "rheumatoid": r"rheumatoid",
    "psoriatic": r"psoriatic",
}
# After the word: a parenthesis, also after a second name ("podiatrist or chiropodist
# (...)"), or an appositive. Before it, in its sentence: "call this", "called", "known as".
APPOSITIVE = re.compile(r"\s*(\(|or [\w-]+ \(|, (a|an|the|which|who|where|that)\b| means\b)")
NAMED_AFTER = re.compile(r"\b(calls? (this|it)|called|known as|such as|for example)\b[^.!?]*$")


@pytest.fixture(scope="module")
def ruleset() -> Ruleset:
    return load_ruleset(packaged_rules_dir())


def shown_texts(ruleset: Ruleset, region: str) -> dict[str, str]:
    """Every person-facing text as it reads in `region`: text -> where it comes from."""
    wording = {stage: _wording(ruleset, stage) for stage in STAGES}
    one = {region: ruleset.regions[region]}
    out: dict[str, str] = {}
    for _file, _line, what, stage, text in person_texts(ruleset):
        for shown in renderings(text, one, wording[stage]):
            if shown.strip():
                out.setdefault(" ".join(shown.split()), what)
    return out


def sentences(text: str) -> list[str]:
    """The sentences of a text: after . ! or ?, and each item of a list in it."""
    parts = re.split(r"(?<=[.!?])\s+|\s+-\s+(?=\S)", text)
    return [p.strip() for p in parts if re.search(r"\w", p)]


def as_document(text: str) -> str:
    """The text with every sentence ending in a full stop, for textstat to count."""
    return " ".join(s if s[-1] in ".!?" else f"{s}." for s in sentences(text))


def grade(text: str) -> float:
    return float(textstat.flesch_kincaid_grade(as_document(text)))


def words(sentence: str) -> int:
    return int(textstat.lexicon_count(sentence))


REGIONS = [r.id for r in load_ruleset(packaged_rules_dir()).regions.values()]


def grade_problem(ruleset: Ruleset, region: str) -> str | None:
    """Why the region's texts read above GRADE, naming the hardest; None if they do not."""
    texts = shown_texts(ruleset, region)
    overall = grade(" ".join(texts))
    if overall <= GRADE:
        return None
    worst = sorted(((grade(t), what, t) for t, what in texts.items()), reverse=True)[:WORST]
    listed = "\n".join(f"  grade {g:5.1f}  {what}: {t[:140]}" for g, what, t in worst)
    return (f"region {region}: the texts read at Flesch-Kincaid grade {overall:.1f}, above "
            f"{GRADE}; the hardest:\n{listed}")


def length_problem(ruleset: Ruleset, region: str) -> str | None:
    """The sentences over MAX_WORDS words, longest first; None if there is none."""
    long = sorted(((words(s), what, s) for t, what in shown_texts(ruleset, region).items()
                   for s in sentences(t) if words(s) > MAX_WORDS), reverse=True)
    if not long:
        return None
    listed = "\n".join(f"  {n} words  {what}: {s}" for n, what, s in long[:WORST])
    return f"region {region}: {len(long)} sentences over {MAX_WORDS} words; the longest:\n{listed}"


def jargon_problem(ruleset: Ruleset, region: str) -> str | None:
    """The texts with a medical word not explained beside it; None if there is none."""
    found = [(what, word, text) for text, what in shown_texts(ruleset, region).items()
             for word in unexplained(text)]
    if not found:
        return None
    listed = "\n".join(f"  {what}: `{word}` in {text[:140]!r}" for what, word, text in found)
    return f"region {region}: medical words without a plain explanation beside them:\n{listed}"


@pytest.mark.parametrize("region", REGIONS)
def test_every_region_reads_at_grade_6_or_below(ruleset: Ruleset, region: str) -> None:
    assert len(shown_texts(ruleset, region)) > 100  # it measures the rules, not an empty list
    problem = grade_problem(ruleset, region)
    assert problem is None, problem


@pytest.mark.parametrize("region", REGIONS)
def test_no_sentence_is_over_25_words(ruleset: Ruleset, region: str) -> None:
    problem = length_problem(ruleset, region)
    assert problem is None, problem


@pytest.mark.parametrize("region", REGIONS)
def test_medical_words_come_with_a_plain_explanation(ruleset: Ruleset, region: str) -> None:
    problem = jargon_problem(ruleset, region)
    assert problem is None, problem


def test_a_failure_names_the_worst_texts() -> None:
    """The frozen policy-1 rule set fails every measure (grade 6.4, a 39-word sentence,
    unexplained words), and each failure names texts and where they come from."""
    v1 = load_ruleset(V1)
    region = next(iter(v1.regions))
    for problem in (grade_problem(v1, region), length_problem(v1, region),
                    jargon_problem(v1, region)):
        assert problem is not None
        lines = problem.splitlines()
        assert lines[0].startswith(f"region {region}: ") and len(lines) > 1
        assert all(re.search(r"(rule|question|item|step|level) `[^`]+`|^  .*`\w+`", line)
                   for line in lines[1:]), problem


def unexplained(text: str) -> Iterator[str]:
    """The medical words of MEDICAL in `text` that have no explanation beside them."""
    lower = text.lower()
    for name, pattern in MEDICAL.items():
        matches = list(re.finditer(rf"\b(?:{pattern})\b", lower))
        if matches and not any(_explained(lower, m) for m in matches):
            yield name


def _explained(text: str, match: re.Match[str]) -> bool:
    before, after = text[:match.start()], text[match.end():]
    if APPOSITIVE.match(after):  # "podiatrist (foot specialist)", "sciatica, a ..."
        return True
    opened = before.rfind("(")
    if opened > before.rfind(")") and re.search(r"\w", before[:opened]):  # "bones (...)"
        return True
    return bool(NAMED_AFTER.search(before))  # "Doctors call this cauda equina"


# --- the measures themselves --------------------------------------------------------------


def test_sentences_split_lists_and_full_stops() -> None:
    assert sentences("Call now if you get any of these: - chest pain - new trouble walking. "
                     "Then rest!") == ["Call now if you get any of these:", "chest pain",
                                       "new trouble walking.", "Then rest!"]
    assert sentences("38.5 is a number. A well-known word.") == ["38.5 is a number.",
                                                                 "A well-known word."]


@pytest.mark.parametrize(("text", "explained"), [
    ("Ask a podiatrist (foot specialist).", True),
    ("Ask a podiatrist.", False),
    ("Do you have thin bones (osteoporosis)?", True),
    ("It is common with sciatica, a pressed nerve in the back.", True),
    ("Doctors call this cauda equina syndrome.", True),
    ("Ask about axial spondyloarthritis.", False),
    ("A doctor can check for a condition that causes it, called axial spondyloarthritis.",
     True),
    ("It may have a bulge that bursts (an aortic aneurysm).", True),
    ("Ask a podiatrist or chiropodist (foot specialist).", True),
    ("Ask a podiatrist or a physiotherapist (movement specialist).", False),
    ("(Sciatica) is common.", False),
    ("Do you have an inflammatory arthritis (swollen joints), such as rheumatoid arthritis?",
     True),
    ("Do you have rheumatoid arthritis?", False),
    ("A podiatrist (a foot specialist) can help. Ask the podiatrist.", True),
    ("Ask a podiatrist. A podiatrist (foot specialist) can help.", True),
])
def test_what_counts_as_explained(text: str, explained: bool) -> None:
    assert (list(unexplained(text)) == []) is explained


def test_grades_are_those_of_textstat() -> None:
    plain, hard = "Call 999 now. Go to A&E.", ("Inflammatory spondyloarthropathies "
                                                "necessitate rheumatological evaluation.")
    assert grade(plain) < 3 < GRADE < grade(hard)


def main(argv: list[str]) -> int:
    """`python -m tests.test_readability [RULES_DIR]` (in the checkout): the measures,
    region by region."""
    rules = load_ruleset(Path(argv[0])) if argv else load_ruleset(packaged_rules_dir())
    for region in rules.regions:
        texts = shown_texts(rules, region)
        longest = max(words(s) for t in texts for s in sentences(t))
        bare = sum(1 for t in texts for _ in unexplained(t))
        each = [grade(t) for t in texts]
        smog = textstat.smog_index(as_document(" ".join(texts)))
        print(f"{region:6} grade {grade(' '.join(texts)):4.1f} (mean of texts "
              f"{sum(each) / len(each):4.1f}, SMOG {smog:4.1f})  texts {len(texts):4}  "
              f"longest sentence {longest:3} words  unexplained medical words {bare}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
