"""The redaction policy: identities and personal patterns out of every output, staff names only in
the auditor's internal pack, data escaped in every HTML page, and a CSP on each."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbench.analysis import themes
from workbench.batch.runner import REPORT_CSP
from workbench.register.identities import Identities, collect, redact
from workbench.register.loader import Register, load_register
from workbench.register.validation import Issue
from workbench.reports import redaction
from workbench.reports.htmlreport import CSP
from workbench.reports.results import ProviderResults

# ----------------------------------------------------------------------------- the policy

IDS = collect({
    "complainant_name": ["Mrs Zelda Quibble", "Hortensia Quibble"],
    "complainant_contact": ["07700 900123", "14 Larkspur Lane, Kingsmere NS3 4AB",
                            "zelda.quibble@example.com"],
    "investigator": ["Cuthbert Ravensworth (Registered Manager)", "Head of Service"],
    "action_owner": ["Service Manager"],
})
QUIBBLE = ("Mrs Zelda Quibble called on 07700 900123 about her mother Hortensia Quibble of "
           "14 Larkspur Lane.")
QUIBBLE_SECRETS = ("zelda", "quibble", "hortensia", "larkspur", "07700", "900123")


def test_identities_are_words_of_names_streets_and_phone_numbers():
    assert IDS.complainants == {"zelda", "quibble", "hortensia", "larkspur"}
    assert IDS.staff == {"cuthbert", "ravensworth"}  # roles are no one's name
    assert IDS.numbers == {"7700900123"}
    assert "quibble" not in repr(IDS) and "Identities(4 complainant words" in repr(IDS)


def test_loader_collects_identities_before_pseudonymising(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("reference,date_received,complainant_name,complainant_contact,investigator\n"
                    "R1,01/05/2024,Zelda Quibble,07700 900123,Cuthbert Ravensworth\n")
    register = load_register(path)
    assert register.frame["complainant_name"].iloc[0].startswith("P-")
    assert register.identities.complainants == {"zelda", "quibble"}
    assert register.identities.staff == {"cuthbert", "ravensworth"}
    assert "zelda" not in repr(register)


@pytest.mark.parametrize("case", [str, str.lower, str.upper, str.title])
@pytest.mark.parametrize("public", [False, True])
def test_quibble_sentence_in_any_case(case, public):
    out = redact(case(QUIBBLE), IDS, public=public)
    for secret in QUIBBLE_SECRETS:
        assert secret not in out.casefold(), (out, secret)
    assert "called on" in out.casefold() and "about her mother" in out.casefold()


def test_ordinary_words_are_kept():
    for text in ("Damp and mould inspection programme", "Damp and mould inspection programme "
                 "for the scheme.", "MAR chart audit moved from monthly to weekly.",
                 "Rota system reviewed; coordinator to check unallocated calls by 4pm daily.",
                 "Reviewed by the Care Quality Commission on Monday 3 June 2024.",
                 "2 carers drive to the home"):
        assert redact(text, IDS) == text
        assert redact(text, IDS, public=False) == text
        assert redact(text) == text


@pytest.mark.parametrize(("text", "secret"), [
    ("Write to pq.smythe@example.com today", "pq.smythe@example.com"),
    ("See https://social.example/zq for the post", "social.example"),
    ("Call 07700 900456 after 5pm", "900456"),
    ("Call +44 7700 900456", "900456"),
    ("Call (01632) 960 001", "960 001"),
    ("Call 0161 496 0000", "496 0000"),
    ("Lives at NS3 4AB now", "NS3 4AB"),
    ("Lives at ns34ab now", "ns34ab"),
    ("NHS number 943 476 5919 noted", "943 476 5919"),
    ("NI number QQ 12 34 56 C noted", "QQ 12 34 56 C"),
    ("NI number ab123456c noted", "ab123456c"),
    ("DOB 01/02/1950 confirmed", "01/02/1950"),
    ("Her date of birth: 1 February 1950", "1 February 1950"),
    ("She was born 1 Feb 1950 in Leeds", "1 Feb 1950"),
    ("Spoke to Mrs Gribble about it", "Gribble"),
    ("Spoke to Mr Evander Thrupp about it", "Evander Thrupp"),
    ("spoke to dr thrupp about it", "thrupp"),
    ("Visited 27 Quillon Close on Monday", "Quillon"),
])
def test_each_pattern(text, secret):
    for public in (False, True):
        out = redact(text, public=public)
        assert secret.casefold() not in out.casefold() and "[redacted]" in out, out


def test_titles_kept_and_identity_forms():
    assert redact("Apology to Mrs Quibble.", IDS) == "Apology to Mrs [redacted]."
    assert redact("quibble's mother and the Quibble-Smith family", IDS) == \
        "[redacted] mother and the [redacted] family"
    assert redact("Ravensworth to retrain staff", IDS) == "[redacted] to retrain staff"
    assert redact("Reached on 7700900123", IDS) == "Reached on [redacted]"


def test_public_text_also_loses_references_and_unknown_names():
    text = "Ref C-2024-001: staff reminded by John to call her daughter Ann."
    assert redact(text, public=False) == text
    assert redact(text) == "Ref [redacted]: staff reminded by [redacted] to call her daughter " \
        "[redacted]."
    assert redact("The CQC and NHS were informed in Q2.") == \
        "The CQC and NHS were informed in Q2."


def test_blank_values():
    assert redact(None) == "" and redact(pd.NA) == "" and redact(float("nan")) == ""


def test_policy_is_documented():
    doc = (Path(__file__).resolve().parents[1] / "docs" / "redaction.md").read_text()
    for rule in redaction.POLICY:
        assert rule.what in doc and rule.allowed_in in doc, rule.what
    for output in redaction.AUDIENCES:
        assert output in doc, output
    for role in redaction.STAFF_ROLES.values():
        assert role in doc


def test_for_analysis_and_published():
    frame = pd.DataFrame({
        "actions": pd.array(["Apologise to Zelda Quibble", None, "Retrain staff"],
                            dtype="string"),
        "type": pd.array(["Complaint from zelda quibble", "care", "care"], dtype="string"),
        "location": pd.array(["Larkspur Lane office", "North", "12 Elm Close"],
                             dtype="string"),
        "action_owner": pd.array(["Cuthbert Ravensworth", None, "Cuthbert Ravensworth"],
                                 dtype="string"),
        "_row": [2, 3, 4]})
    issues = [Issue(3, "Outcome", "outcome", "unknown_value", "Spoke to Jane Gribble", "?",
                    "error"),
              Issue(4, "Date ack", "date_acknowledged", "invalid_date", "07700 900999", "?",
                    "error"),
              Issue(5, "Ref", "reference", "duplicate_reference", "C-0005", "?", "error")]
    register = redaction.for_analysis(Register(frame=frame, issues=issues, identities=IDS))
    out = register.frame
    assert out["actions"].tolist()[0] == "Apologise to [redacted]" and pd.isna(out["actions"][1])
    assert out["type"].tolist() == ["Complaint from [redacted]", "care", "care"]
    # a service location keeps its house number; a complainant's street does not
    assert out["location"].tolist() == ["[redacted] office", "North", "12 Elm Close"]
    assert out["action_owner"].tolist()[0] == "Cuthbert Ravensworth"  # the internal pack's
    assert isinstance(out["actions"].dtype, pd.StringDtype)
    assert [i.value for i in register.issues] == ["Spoke to [redacted]", "[redacted]", "C-0005"]

    results = ProviderResults("p", "P", "care home", "2024-25", dt.date(2025, 3, 31), None, {},
                              "r", "1", actions=pd.DataFrame({
                                  "actions": ["Call 07700 900999 re Ref C-0007"],
                                  "action_owner": ["Cuthbert Ravensworth"],
                                  "action_signed_off_by": [None]}),
                              issues=register.issues_frame())
    public = redaction.published(results)
    assert public.actions.iloc[0].tolist() == ["Call [redacted] re Ref [redacted]",
                                               "action owner", None]
    assert public.issues["value"].tolist()[2] == "[redacted]"
    assert results.actions["action_owner"][0] == "Cuthbert Ravensworth"  # a copy


# ----------------------------------------------------------------------------- themes


def _register(summaries: list[str], identities: Identities | None = None) -> Register:
    n = len(summaries)
    frame = pd.DataFrame({
        "summary": pd.array(summaries, dtype="string"),
        "date_received": pd.date_range("2024-04-01", periods=n, freq="3D"),
        "reference": pd.array([f"R{i}" for i in range(n)], dtype="string"),
        "_row": np.arange(2, n + 2)})
    return Register(frame=frame, identities=identities or Identities())


def test_themes_never_hold_identities_or_proper_nouns():
    rng = np.random.default_rng(3)
    topics = [["meals", "cold", "dinner", "kitchen"], ["invoice", "charged", "refund", "bill"]]
    summaries = []
    for i in range(120):
        words = " ".join(rng.choice(topics[i % 2], size=4))
        who = ["quibble", "Quibble", "QUIBBLE", "ravensworth"][i % 4]
        summaries.append(f"The resident said {words} and {who} phoned Wexcombe about it; "
                         f"write to {who}@example.com or see https://social.example/{who}.")
    found = themes.discover(_register(summaries, IDS), n_themes=2)
    terms = {t for ts in found.themes["terms"] for t in ts}
    assert {"meals", "invoice"} <= terms
    assert not terms & {"quibble", "ravensworth", "wexcombe", "redacted", "example", "com",
                        "social", "https"}
    labels = " ".join(found.share["label"]) + " ".join(found.emerging["label"])
    assert "quibble" not in labels and "wexcombe" not in labels


def test_proper_nouns_are_words_mostly_capitalised_mid_sentence():
    texts = ["Damp in the flat. The damp is worse and Wexcombe said so.",
             "Spoke to Wexcombe on Monday about damp.", "Damp again."]
    assert themes.proper_nouns(texts) == {"wexcombe", "monday"}
    assert themes.proper_nouns(["Title Case Text About Wexcombe"]) == frozenset()
    assert "quibble" in themes.excluded_terms(_register(["x"], IDS), [])


# ----------------------------------------------------------------------------- end to end

COMPLAINANTS = [  # name, contact, postcode/street/number to look for
    ("Zelda Quibble", "07700 900123"),
    ("Hortensia Quibble", "14 Larkspur Lane, Kingsmere NS3 4AB"),
    ("Barnaby Wrexcombe", "barnaby.wrexcombe@example.com"),
    ("Ottoline Fairweather", "01632 960777"),
    ("Perpetua Gribble", "27 Quillon Close, Saltmarsh NS7 2PQ"),
    ("Evander Thrupp", "evander.thrupp@example.org"),
]
STAFF = ["Cuthbert Ravensworth", "Philomena Drudge", "Augustin Pennywhistle"]
XSS = "<img src=x onerror=alert(1)>"
TOPICS = ["the carer arrived late for the morning call and left early",
          "the invoice charged for visits that never happened",
          "the meals were cold and the kitchen ignored the diet plan"]
CASES = [str, str.lower, str.upper, str.title]


def _row(i: int) -> dict[str, str]:
    name, contact = COMPLAINANTS[i % len(COMPLAINANTS)]
    other, other_contact = COMPLAINANTS[(i + 1) % len(COMPLAINANTS)]
    case = CASES[i % len(CASES)]
    staff = STAFF[i % len(STAFF)]
    received = pd.Timestamp("2024-04-08") + pd.Timedelta(days=9 * i)
    day = received.strftime("%d/%m/%Y")
    upheld = i % 3 != 2
    return {
        "reference": f"C-{i:04d}", "record_kind": "complaint",
        "summary": case(f"Mrs {name} rang on {other_contact} about {TOPICS[i % 3]}; her "
                        f"neighbour {other} wrote from {contact}. DOB 01/02/1950."),
        "complainant_name": name, "complainant_contact": contact,
        "location": ["North", "South", f"{contact.split(',')[0]} office"][i % 3],
        "type": ["care", "billing", f"Complaint from {name}"][i % 3],
        "date_received": day,
        "date_acknowledged": "07700 900123" if i == 4 else
        (received + pd.Timedelta(days=2)).strftime("%d/%m/%Y"),
        "investigator": staff, "channel": ["phone", "email", f"letter from {name}"][i % 3],
        "date_response_due": (received + pd.Timedelta(days=28)).strftime("%d/%m/%Y"),
        "date_response_sent": (received + pd.Timedelta(days=20)).strftime("%d/%m/%Y"),
        "stage": "1", "escalated": "no",
        "escalation_details": case(f"{name} asked {staff} for a review on {contact}"),
        "outcome": name if i == 7 else ("upheld" if upheld else "not upheld"),
        "outcome_description": case(f"{staff} apologised to {name.lower()} ({contact})."),
        "learning": case(f"Shared at team meeting; {other} and {staff} to follow up."),
        "actions": case(f"Apologise to {name} on {contact}; {staff} to retrain staff on "
                        f"{TOPICS[i % 3].split()[1]} by 4pm") if upheld else "",
        "action_owner": STAFF[(i + 1) % len(STAFF)] if upheld else "",
        "action_due": (received + pd.Timedelta(days=60)).strftime("%d/%m/%Y") if upheld else "",
        "action_completed": (received + pd.Timedelta(days=50)).strftime("%d/%m/%Y")
        if upheld and i % 2 else "",
        "action_signed_off_by": f"{STAFF[(i + 2) % len(STAFF)]} (Registered Manager)"
        if upheld and i % 2 else "",
        "complainant_told_of_improvement": "yes" if upheld else "",
        "root_cause": ["human error", "staffing levels", f"{name} error"][i % 3] if upheld else "",
        "date_closed": (received + pd.Timedelta(days=21)).strftime("%d/%m/%Y"),
    }


def _secrets() -> dict[str, set[str]]:
    """What must never be found, case-insensitively: every complainant name and word of it,
    phone number (as written and as digits), email, postcode (with and without its space) and
    street name; and, outside the internal pack, every staff name and word of it."""
    complainant: set[str] = set()
    for name, contact in COMPLAINANTS:
        complainant |= {name, *name.split()}
        complainant.add(contact.split(",")[0])
        for found in re.findall(r"\b[A-Z]{2}\d \d[A-Z]{2}\b", contact):
            complainant |= {found, found.replace(" ", "")}
        if "@" in contact:
            complainant.add(contact)
        if contact[0] == "0":
            complainant |= {contact, contact.replace(" ", "")}
        if contact[0].isdigit() and "," in contact:
            complainant.add(contact.split(",")[0].split(maxsplit=1)[1].split()[0])
    staff = {w for name in STAFF for w in (name, *name.split())}
    return {"complainant": {s.casefold() for s in complainant},
            "staff": {s.casefold() for s in staff}}


def _text(path: Path) -> str:
    """Everything a file holds as text: an xlsx (or any zip) as its XML parts, a PDF as the
    text of its pages."""
    if path.suffix == ".pdf":
        from tests.pdf_text import page_texts

        return "\n".join(page_texts(path))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return path.read_bytes().decode("utf-8", "replace")


# The auditor's internal pack: the only output allowed to name staff (docs/redaction.md).
INTERNAL_PACK = {"scorecard.xlsx"}


@dataclass(frozen=True)
class Batch:
    root: Path
    register: Path


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Batch:
    from workbench.batch.driver import run_batch

    base = tmp_path_factory.mktemp("redaction-batch")
    data = base / "data"
    (data / "registers").mkdir(parents=True)
    rows = [_row(i) for i in range(36)]
    register = data / "registers" / "p1.csv"
    with register.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    (data / "providers.yaml").write_text(
        "commissioner: Example Council\nperiod: 2024-25\nproviders:\n"
        f"  - id: p1\n    name: {json.dumps(XSS)}\n    service_type: home care\n"
        "    register: registers/p1.csv\n    service_users: 40\n")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("HOME", "IPYTHONDIR", "JUPYTER_RUNTIME_DIR", "JUPYTER_CONFIG_DIR"):
            (base / var).mkdir()
            mp.setenv(var, str(base / var))
        mp.setenv("WORKBENCH_CONFIG_DIR", str(base / "config"))
        mp.setenv("WORKBENCH_OUTPUTS", str(base / "outputs"))
        mp.delenv("WORKBENCH_DB", raising=False)
        report = run_batch(data / "providers.yaml", jobs=1, portfolio=True,
                           output_root=base / "outputs", progress=False)
    assert report.exit_code == 0 and report.portfolio_error is None, report.table()
    return Batch(base / "outputs", register)


@pytest.mark.slow
def test_no_identity_in_any_output(batch):
    secrets = _secrets()
    # the register really holds them (as written; the outputs are searched for other spellings
    # too), in every free-text field and in category columns
    raw = batch.register.read_text().casefold()
    written = {s for s in secrets["complainant"] | secrets["staff"] if " " in s or not
               any(c.isdigit() for c in s)}
    assert len(written) > 30 and all(s in raw for s in written), written - {
        s for s in written if s in raw}
    files = [p for p in batch.root.rglob("*") if p.is_file()]
    kinds = {p.suffix for p in files}
    assert {".html", ".xlsx", ".json", ".ipynb", ".svg"} <= kinds, kinds
    staff_seen = set()
    for path in files:
        text = _text(path).casefold()
        leaked = sorted(s for s in secrets["complainant"] if s in text)
        assert not leaked, f"{path.relative_to(batch.root)} holds {leaked[:5]}"
        staff = sorted(s for s in secrets["staff"] if s in text)
        if path.name in INTERNAL_PACK:
            staff_seen |= set(staff)
        else:
            assert not staff, f"{path.relative_to(batch.root)} names staff: {staff[:5]}"
    assert staff_seen, "the internal pack names the action owners (so the search works)"
    # the public case studies are the actions, redacted
    html = (batch.root / "2024-25" / "p1" / "public_quarterly_report.html").read_text()
    assert "Case studies" in html and "[redacted] to retrain staff" in html


@pytest.mark.slow
def test_published_results_show_roles_not_staff(batch):
    data = json.loads((batch.root / "2024-25" / "p1" / "results.json").read_text())
    actions = data["actions"]["__frame__"]
    owner = actions["columns"].index("action_owner")
    assert {r[owner] for r in actions["data"]} <= {"action owner", None}


@pytest.mark.slow
def test_provider_name_reaches_html_only_escaped(batch):
    folder = batch.root / "2024-25" / "p1"
    pages = [folder / "report.html", *folder.glob("*report*.html"),
             folder / "lessons_learned.html", *(batch.root / "2024-25").glob("portfolio*.html")]
    assert len(pages) >= 10
    for page in pages:
        html = page.read_text()
        assert XSS not in html and "<img src=x" not in html.casefold(), page.name
    report = (folder / "report.html").read_text()
    assert "&lt;img src=x onerror=alert(1)&gt;" in report


@pytest.mark.slow
def test_every_html_report_has_a_csp(batch):
    folder = batch.root / "2024-25" / "p1"
    report = (folder / "report.html").read_text()
    assert _csp(report) == REPORT_CSP
    assert report.index("Content-Security-Policy") < report.index("<style")
    assert not re.search(r"<script[^>]+src=", report), "no external script"
    governance = [folder / f for f in ("lessons_learned.html", "public_quarterly_report.html",
                                       "annual_report.html", "commissioner_report.html")]
    portfolio = list((batch.root / "2024-25").glob("portfolio*.html"))
    assert len(portfolio) == 5
    for page in governance + portfolio:
        html = page.read_text()
        assert _csp(html) == CSP, page
        assert "<script" not in html


def _csp(html: str) -> str | None:
    found = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    return found.group(1) if found else None


def test_a_sentence_opening_with_a_name_no_column_holds_is_left_out_of_a_summary():
    """"Irene has asthma" names the complainant's mother, whom no name column holds, and at the
    start of a sentence a capital says nothing: the sentence goes when the register never
    writes its first word in lower case. Ordinary openers, days and titled names stay."""
    from workbench.register.identities import lower_case_words, without_unknown_openers

    ordinary = lower_case_words(["the contractor did not turn up", "damp in the bedroom",
                                 "reported to staff 3 times", None])
    text = ("Contractor did not turn up on Saturday. Irene has asthma and the damp is making it "
            "worse. Damp in the bedroom. Monday's visit was missed. Mr Lindqvist would like an "
            "apology. “Irene’s room” was not cleaned!")
    assert without_unknown_openers(text, ordinary) == (
        "Contractor did not turn up on Saturday. Damp in the bedroom. Monday's visit was "
        "missed. Mr Lindqvist would like an apology.")
    assert without_unknown_openers(None, ordinary) == ""


def test_no_first_name_reaches_a_case_study_summary():
    """Every summary a sample pack keeps for its case studies (results.json), on the registers
    whose narratives name people their name columns do not hold: no first name or surname of
    the generator's name pools is left (before, "Irene has asthma" reached results.json)."""
    from workbench.reports.pack import analyse, load_provider
    from workbench.sampledata.generator import FIRST, STAFF_FIRST, STAFF_SURNAME, SURNAME

    names = set(FIRST + STAFF_FIRST + SURNAME + STAFF_SURNAME) - {"Green"}  # a RAG colour too
    for provider_id in ("harbour-housing", "glenmorven-housing", "elmfield-living"):
        provider, manifest = load_provider(provider_id)
        results, _ = analyse(provider, manifest, with_charts=False)
        kept = results.actions["summary"].dropna().astype(str)
        assert (kept != "").sum() > 0.8 * len(kept), provider_id  # most keep a summary
        leaks = [t for t in kept if set(re.findall(r"[A-Z][a-z]+", t)) & names]
        assert not leaks, (provider_id, leaks[:3])
