"""A small synthetic register generator (canonical headers) for the batch tests and benchmark."""

from __future__ import annotations

import csv
import datetime as dt
import random
from pathlib import Path

HEADERS = ["reference", "record_kind", "summary", "complainant_name", "complainant_contact",
           "location", "type", "date_received", "date_acknowledged", "investigator",
           "date_response_due", "date_response_sent", "stage", "escalated", "outcome",
           "learning", "actions", "action_owner", "action_due", "action_completed",
           "action_signed_off_by", "complainant_told_of_improvement", "root_cause",
           "date_closed"]
TYPES = ["care", "staff attitude", "communication", "medication", "food", "billing"]
CAUSES = ["human error", "staffing levels", "poor communication", "procedural failure"]
WORDS = {"care": "personal care was late and the carer did not stay the agreed time",
         "staff attitude": "the staff member was rude and dismissive on the phone",
         "communication": "nobody told the family about the change to the visit times",
         "medication": "medication was given late and the record was not completed",
         "food": "meals were cold and the menu choices were not offered",
         "billing": "the invoice charged for visits that did not happen"}
FIRST = ["Ada", "Bryn", "Cerys", "Dafydd", "Eira", "Ffion", "Gareth", "Heledd"]
LAST = ["Quillfeather", "Marchbank", "Thistlewood", "Ormerod", "Pengelly", "Vowles"]
SERVICE_TYPES = ["care home", "home care", "supported housing", "day services"]


def _d(day: dt.date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def write_register(path: Path, rows: int, seed: int, start: dt.date = dt.date(2024, 4, 1)) -> Path:
    """A CSV register of ``rows`` records with plausible dates, outcomes, actions and names."""
    rnd = random.Random(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for i in range(rows):
            received = start + dt.timedelta(days=rnd.randrange(360))
            kind = "compliment" if rnd.random() < 0.08 else "complaint"
            kind_type = rnd.choice(TYPES)
            ack = received + dt.timedelta(days=rnd.randrange(0, 8))
            late = rnd.randrange(5, 45)
            sent = received + dt.timedelta(days=late) if rnd.random() < 0.9 else None
            outcome = rnd.choice(["upheld", "partly upheld", "not upheld"]) if sent else ""
            upheld = outcome in ("upheld", "partly upheld")
            action = upheld and rnd.random() < 0.7
            due = sent + dt.timedelta(days=30) if action and sent else None
            done = due + dt.timedelta(days=rnd.randrange(-20, 20)) if due and rnd.random() < 0.6 \
                else None
            name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
            w.writerow([
                f"C{seed:03d}-{i + 1:05d}", kind, WORDS[kind_type], name,
                f"{name.split()[0].lower()}.{seed}{i}@example.org", rnd.choice(["North", "South"]),
                kind_type, _d(received), _d(ack), "Investigating Officer",
                _d(received + dt.timedelta(days=28)), _d(sent),
                "2" if rnd.random() < 0.1 else "1", "yes" if rnd.random() < 0.1 else "no",
                outcome, "review rota" if upheld else "", "retrain staff" if action else "",
                "Service Manager" if action else "", _d(due), _d(done),
                "Head of Service" if done else "", "yes" if done else "",
                rnd.choice(CAUSES) if upheld and rnd.random() < 0.8 else "",
                _d(sent + dt.timedelta(days=rnd.randrange(0, 10))) if sent else ""])
    return path


def write_manifest(folder: Path, providers: int, rows: int, *, period: str = "2024-25",
                   seed: int = 1) -> Path:
    """providers.yaml plus one register per provider under ``folder``."""
    lines = ["commissioner: Example Council", f"period: {period}", "providers:"]
    for n in range(providers):
        pid = f"provider-{n + 1:03d}"
        write_register(folder / "registers" / f"{pid}.csv", rows, seed * 1000 + n)
        lines += [f"  - id: {pid}", f"    name: Provider {n + 1} Ltd",
                  f"    service_type: {SERVICE_TYPES[n % len(SERVICE_TYPES)]}",
                  f"    register: registers/{pid}.csv", f"    service_users: {40 + 7 * n}"]
    path = folder / "providers.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
