"""Which region a result is worded for, when no answer names it.

In this order: `--region` or the answers' `region`; $INSERTADVISOR_REGION; the region the
user chose once (saved in their configuration folder); on a terminal, the interview asks
(offering the locale's country) and the choice is saved; with prompts off, the locale's
country; else the rule set's default. A rule set without a region question has one
wording for everyone.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from insertadvisor.assessment import REGION
from insertadvisor.environment import Environment
from insertadvisor.errors import InputError, did_you_mean
from insertadvisor.model import Ruleset
from insertadvisor.userfiles import NotAFile, read_regular, write_private

ENV_REGION = "INSERTADVISOR_REGION"
CONFIG = "config.json"


def locale_region(env: Environment, ruleset: Ruleset) -> str | None:
    """The region of the locale's country (en_GB.UTF-8 -> GB -> UK), if a region has it."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.environ.get(variable, "")
        if value:
            country = value.split(".")[0].split("@")[0].partition("_")[2].upper()
            return next((r.id for r in ruleset.regions.values() if country in r.countries),
                        None)
    return None


def saved_region(env: Environment, ruleset: Ruleset) -> str | None:
    try:  # a FIFO there is not waited on (the region is asked again); a dotfile
        # manager's link to the user's own file is followed
        data = json.loads(read_regular(env.config_dir / CONFIG, limit=4096, follow=True))
    except (OSError, ValueError, NotAFile):
        return None
    value = data.get(REGION) if isinstance(data, dict) else None
    return value if value in ruleset.regions else None


def resolve_region(env: Environment, ruleset: Ruleset, stage: str, answers: dict[str, Any],
                   prompting: bool) -> bool:
    """Set answers["region"] unless it is given; True when the interview should ask it."""
    if REGION in answers or not any(q.id == REGION for q in ruleset.questions[stage]):
        return False
    chosen = env.environ.get(ENV_REGION)
    if chosen:
        if chosen not in ruleset.regions:
            raise InputError(f"{ENV_REGION}={chosen!r} is not a region"
                             f"{did_you_mean(chosen, ruleset.regions)}; use one of "
                             f"{', '.join(ruleset.regions)}")
        answers[REGION] = chosen
        return False
    saved = saved_region(env, ruleset)
    if saved is not None:
        answers[REGION] = saved
        return False
    if prompting:
        return True
    answers[REGION] = locale_region(env, ruleset) or ruleset.default_region
    return False


def remember_region(env: Environment, ruleset: Ruleset, answers: dict[str, Any]) -> None:
    """After the interview asked the region: take the locale's if the person skipped it,
    and save the choice for the next runs (0600, atomic); a folder that cannot be
    written only means being asked again."""
    value = answers.setdefault(REGION, locale_region(env, ruleset) or ruleset.default_region)
    with contextlib.suppress(OSError):
        write_private(env.config_dir / CONFIG, json.dumps({REGION: value}))
