"""The demo: sample self-assessments for the sample providers, seeded into an assessment store."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.core.paths import DEFAULT_MANIFEST, DEFAULT_RUBRIC
from workbench.register.manifest import load_manifest
from workbench.rubric.model import Rubric, load_rubric
from workbench.scoring.store import Store

DEMO_ASSESSOR = "Demo auditor (sample data)"


@dataclass(frozen=True)
class Profile:
    """How a sample provider answers: the chance of a Yes, and answers it insists on."""

    yes_rate: float
    claims: tuple[str, ...] = ()  # item ids answered Yes whatever the register says


# Mirrors sample_data/README.md: each provider's deliberate pattern, with the claims the data
# contradicts (the slow provider says it responds on time; the one with no RCA says it does RCA).
PROFILES: dict[str, Profile] = {
    "sunrise-day": Profile(0.95),
    "oakwood-care": Profile(0.78),
    "elmfield-living": Profile(0.72),
    "hartwell-housing": Profile(0.68),
    "glenmorven-housing": Profile(0.7),
    "brightpath-homecare": Profile(0.62),
    "meadowbank-care": Profile(0.58),
    "harbour-housing": Profile(0.55, claims=("5.16",)),
    "kestrel-homecare": Profile(0.55, claims=("6.2",)),
    "willow-housing": Profile(0.5, claims=("5.1",)),
}
DEFAULT_PROFILE = Profile(0.6)


def _late(provider_id: str, period: str, item_id: str) -> int:
    """1 for about one action in five, due a year earlier (inside the period: overdue by its
    end), else 0. A generator of its own, so the answers stay as they were."""
    return int(random.Random(f"{provider_id}/{period}/{item_id}/late").random() < 0.2)


def sample_answers(rubric: Rubric, provider_id: str, period: str) -> dict[str, dict[str, Any]]:
    """Deterministic answers for one provider: Yes with evidence, No with an improvement action."""
    profile = PROFILES.get(provider_id, DEFAULT_PROFILE)
    rnd = random.Random(f"{provider_id}/{period}/{rubric.id}/{rubric.version}")
    due_year = int(period[:4]) + 1
    out: dict[str, dict[str, Any]] = {}
    for section, item in rubric.items():
        yes = item.id in profile.claims or rnd.random() < profile.yes_rate
        if yes:
            out[item.id] = {
                "answer": "yes",
                "evidence": [{"label": f"{section.name}: document reviewed for {item.id}",
                              "target": f"https://intranet.example.org/{provider_id}/"
                                        f"{period}/evidence/{item.id}"}],
                "commentary": "Seen at the audit visit.",
            }
        else:
            out[item.id] = {
                "answer": "no",
                "commentary": "Not evidenced at the audit visit.",
                "action": {"what": f"Put in place and evidence: {item.text}",
                           "owner": "Complaints manager",
                           "due": f"{due_year - _late(provider_id, period, item.id)}-"
                                  f"{rnd.randint(6, 12):02d}-28"},
            }
    return out


def seed_store(db: str | None = None, *, manifest_path: str | Path | None = None,
               rubric_path: str | Path | None = None, period: str | None = None
               ) -> dict[str, str]:
    """Give every manifest provider without an assessment for the period a sample one.

    Existing assessments are never touched. Returns provider id -> "added" or "kept".
    """
    manifest = load_manifest(manifest_path or DEFAULT_MANIFEST)
    rubric = load_rubric(rubric_path or DEFAULT_RUBRIC)
    period = period or manifest.period
    store = Store(db)
    done: dict[str, str] = {}
    try:
        for provider in manifest.providers:
            if store.assessments(provider.id, period, rubric.id):
                done[provider.id] = "kept"
                continue
            store.save_into(provider.id, period, rubric,
                            sample_answers(rubric, provider.id, period), DEMO_ASSESSOR,
                            reason="sample assessment for the demo")
            done[provider.id] = "added"
    finally:
        store.close()
    return done
