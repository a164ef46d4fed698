"""Redaction of free text for published reports: names, emails, phone numbers, postcodes, refs."""

from __future__ import annotations

import re

REDACTED = "[redacted]"

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
# UK and international phone numbers: 7+ digits with optional +, spaces, dots, dashes, brackets.
_PHONE = re.compile(r"(?<![\w])\+?\(?\d[\d\s().-]{5,}\d(?![\w])")
_POSTCODE = re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b", re.IGNORECASE)
# Any token mixing letters and digits (case references, NHS/NI numbers, room numbers "Rm12").
_CODE = re.compile(r"\b(?=[\w/-]*\d)(?=[\w/-]*[A-Za-z])[\w/-]{3,}\b")
_LONG_NUMBER = re.compile(r"\b\d{5,}\b")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")

# Capitalised words kept: common sentence openers and domain words that are not names.
# Every other capitalised (or all-capitals) word is treated as a possible name and redacted.
_KEEP_WORDS = """
a an the this that these those there their they them we our us i it its he she his her
after again all also although an and any as at because before both but by during each
every following for from further given however if in into more most no not now of on
once only or other over same since so some such than then through to under until upon
was were when where whether which while who whom why will with within without would
yes you your staff manager managers team teams service services provider providers care
complaint complaints complainant customer customers resident residents family families
relative relatives carer carers client clients tenant tenants person people user users
council commissioner ombudsman home homes housing support worker workers nurse nurses
visit visits visiting call calls medication meals meal food room rooms
action actions improvement improvements training policy procedure procedures process
review reviewed apology apologised apologise response responded communication
upheld partly not decided outcome learning lesson lessons change changes changed
new revised introduced updated added agreed arranged provided reminded refresher
monday tuesday wednesday thursday friday saturday sunday
"""
KEEP: frozenset[str] = frozenset(_KEEP_WORDS.split())
ACRONYMS: frozenset[str] = frozenset({"CQC", "NHS", "GP", "LGSCO", "PHSO", "SMT", "HR", "IT",
                                      "MAR", "UK", "Q1", "Q2", "Q3", "Q4"})


def _word(match: re.Match[str]) -> str:
    word = match.group(0)
    if not word[0].isupper():
        return word
    if word in ACRONYMS or word.lower().rstrip("'’s") in KEEP or word.lower() in KEEP:
        return word
    return REDACTED


_RUN = re.compile(re.escape(REDACTED) + r"(?:[\s,.'’-]*" + re.escape(REDACTED) + r")+")


def redact(text: object) -> str:
    """``text`` with emails, URLs, phone numbers, postcodes, codes mixing letters and digits,
    long numbers and every capitalised word not in ``KEEP``/``ACRONYMS`` (possible names)
    replaced by "[redacted]"; runs of redactions collapse into one. Errs on the side of
    removing too much: a published report must never carry a name or contact detail."""
    if text is None:
        return ""
    out = str(text)
    for pattern in (_EMAIL, _URL, _POSTCODE, _PHONE, _CODE, _LONG_NUMBER):
        out = pattern.sub(REDACTED, out)
    parts = re.split(r"(\[redacted\])", out)
    out = "".join(p if p == REDACTED else _WORD.sub(_word, p) for p in parts)
    out = _RUN.sub(REDACTED, out)
    if out.count(")") > out.count("("):  # the opening bracket went with a phone number
        out = out.replace(REDACTED + ")", REDACTED)
    out = out.replace("(" + REDACTED + ")", REDACTED)
    return re.sub(r"\s+", " ", out).strip()
