"""Whom a register names, and how to find them and other personal data in free text."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

REDACTED = "[redacted]"
COMPLAINANT_FIELDS = ("complainant_name", "complainant_contact")
STAFF_FIELDS = ("investigator", "action_owner", "action_signed_off_by")
IDENTITY_FIELDS = (*COMPLAINANT_FIELDS, *STAFF_FIELDS)

TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame",
                    "lady", "lord", "rev", "revd", "reverend", "cllr", "councillor", "fr"})

# Words that are never taken for a person: function words, and the roles, teams and relations
# a name cell or an email address also holds ("Jane Smith (Registered Manager)").
_FUNCTION_WORDS = """
a about above after again against all also although am an and any are as at be because been
before being below between both but by can could did do does doing down during each either
else every few for from further had has have having he her here hers herself him himself his
how however i if in into is it its itself just let may me might more most must my myself no
nor not now of off on once only or other ought our ours ourselves out over own per same shall
she should since so some such than that the their theirs them themselves then there these they
this those through thus to too under until up upon us very via was we were what when where
whether which while who whom whose why will with within without would yes yet you your yours
yourself
"""
_DOMAIN_WORDS = """
staff manager managers management team teams service services provider providers care carer
carers complaint complaints complainant customer customers resident residents family families
relative relatives client clients tenant tenants person people user users council commissioner
ombudsman home homes housing support worker workers nurse nurses visit visits call calls
medication meals meal food room rooms action actions improvement improvements training policy
procedure procedures process review reviewed apology apologised response communication upheld
partly decided outcome learning lesson lessons change changes new revised introduced updated
added agreed arranged provided reminded refresher registered deputy director directors
operations operational head lead leader senior chief executive assistant officer officers
investigating investigator coordinator co-ordinator supervisor administrator admin office
department unit ward sister matron practitioner social clinical general managing partner owner
member panel board finance maintenance repairs contractor agency group centre center hub
reception receptionist duty night day shift key keyworker liaison advocate safeguarding quality
governance area regional locality site scheme business human resources hr it nhs cqc gp
info enquiries enquiry contact hello mail email office noreply no-reply post
mother father daughter son wife husband sister brother niece nephew aunt uncle grandson
granddaughter grandmother grandfather neighbour friend partner guardian
unknown n/a na tbc tba none anonymous withheld declined not recorded
monday tuesday wednesday thursday friday saturday sunday
january february march april june july august september october november december
"""
_STREET_WORDS = """
road rd lane ln street st avenue ave close drive dr way court ct crescent cres place pl gardens
gdns terrace tce grove gr hill row walk square sq mews rise parade vale green park view gate
yard boulevard wynd circus fold flat flats apartment apt house cottage cottages farm lodge
estate block floor north south east west upper lower old new
"""
STREET_WORDS = frozenset(_STREET_WORDS.split())
COMMON_WORDS = frozenset(_FUNCTION_WORDS.split()) | frozenset(_DOMAIN_WORDS.split())
NOT_NAMES = COMMON_WORDS | TITLES
_STREETS = "|".join(sorted(STREET_WORDS, key=len, reverse=True))
# Parts of contact cells (between commas, semicolons and line ends) that are address lines:
# those holding a number or a street word (the others are towns, counties, countries).
_ADDRESS_LINE = re.compile(rf"[^,;\n]*(?:\d|\b(?:{_STREETS})\b)[^,;\n]*")  # of folded text

# Capitalised words a published text keeps mid-sentence (everything else capitalised there is
# taken for a name or a place): institutions, roles, days, months, seasons.
_KEEP_CAPITALISED = """
commission quality local government england wales scotland ireland northern british english
welsh scottish christmas easter bank holiday trust hospital court police fire ambulance
adult adults children board health mental healthcare primary community committee act
regulations regulation standards standard inspection inspector inspectors policy
responsible accountable governing body
stage one two three four first second third covid dementia alzheimer's parkinson's
ref reference case number tel telephone phone mobile email address postcode dob nhs
"""
KEEP_CAPITALISED = COMMON_WORDS | TITLES | frozenset(_KEEP_CAPITALISED.split())
ACRONYMS = frozenset({"CQC", "NHS", "GP", "LGSCO", "PHSO", "SMT", "HR", "IT", "MAR", "UK",
                      "ASB", "CCTV", "DBS", "DoLS", "MCA", "ICB", "CCG", "A&E", "OT"})

# ----------------------------------------------------------------------------- patterns

_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = (rf"(?:\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?[\s/.-]+(?:\d{{1,2}}|{_MONTH})[\s/.,-]+\d{{2,4}}"
         rf"|{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{4}}-\d{{2}}-\d{{2}}|in\s+\d{{4}})")
_DOB = re.compile(rf"\b(?P<key>d\.?\s?o\.?\s?b\b\.?|date\s+of\s+birth|born(?:\s+on)?)"
                  rf"(?P<sep>\s*[:=-]?\s*){_DATE}", re.IGNORECASE)
# (possessive, from the start of a run only: one pass over long text)
EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]++@[\w-]++(?:\.[\w-]++)+")
URL = re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE)
POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*\d[A-Z]{2}\b", re.IGNORECASE)
# UK phone numbers: +44 / 0044 / 0, then 9 or 10 more digits with single separators.
PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)\s?44\s?(?:\(0\)\s?)?|\(?0)\d(?:[\s.)-]{0,2}\d){8,9}"
                   r"(?!\w)")
NHS_NUMBER = re.compile(r"\b\d{3}[\s-]?\d{3}[\s-]?\d{4}\b")
NI_NUMBER = re.compile(r"\b[A-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b", re.IGNORECASE)
# Any other run of nine or more digits (other phone numbers, account and case numbers).
LONG_DIGITS = re.compile(r"(?<![\w+])\+?\d(?:[\s.-]?\d){8,}(?!\w)")
_NUMBERS = re.compile("|".join(f"(?:{p.pattern})" for p in (NI_NUMBER, POSTCODE, PHONE,
                                                            NHS_NUMBER, LONG_DIGITS)),
                      re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_NOT_STREET_START = ("the|a|an|on|in|of|to|for|and|or|at|by|with|from|per|this|that|her|his|"
                     "their|our|my|every|each|no|times|days|weeks|months|years|hours|minutes")
ADDRESS = re.compile(
    rf"\b\d{{1,4}}[a-z]?,?\s+(?:(?!(?:{_NOT_STREET_START})\b)[^\W\d_][\w'’-]*\s+){{1,3}}"
    r"(?:road|rd|lane|ln|street|st|avenue|ave|close|drive|way|court|crescent|place|gardens|"
    r"terrace|grove|hill|row|walk|square|mews|rise|parade|vale|green|park|view|gate|yard|"
    r"boulevard|wynd)\b\.?", re.IGNORECASE)
# Tokens mixing letters and digits (case references, room numbers), but not times, ordinals,
# quantities or quarter names.
CODE = re.compile(r"\b(?=[\w/-]*\d)(?=[\w/-]*[^\W\d_])[\w/-]{3,}\b")
_NOT_CODE = re.compile(r"(?:\d+(?:st|nd|rd|th|am|pm|s|mins?|hrs?|h|kg|g|mg|mcg|ml|l|km|m|cm|mm|"
                       r"p|k)|\d+-(?:month|week|day|year|hour)s?|q[1-4]|covid-?19|\d{4}-\d{2})",
                       re.IGNORECASE)
LONG_NUMBER = re.compile(r"\b\d{6,}\b")

# Names found mid-text are marked with this until the end, so that a capitalised word right
# beside a name ("Hortensia" in "her mother Hortensia Quibble") is taken for part of it, while
# words beside a phone number or a postcode are not.
_NAME = "\ue000"
_TOKEN = re.compile(rf"(\[redacted\]|{_NAME}|[^\W\d_]+(?:['’-][^\W\d_]+)*)")
_RUN = re.compile(r"\[redacted\](?:[\s,.'’-]*\[redacted\])+")
_SENTENCE_BREAKS = frozenset(".!?:;•*-–—(\"“‘'[")
_WORDS_IN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_DIGIT_RUN = re.compile(r"\+?\d[\d \t().-]{5,}\d")
_JOINERS = re.compile(r"['’-]")
_TITLE_WORDS = frozenset({"mr", "mrs", "ms", "mx", "dr", "prof", "sir", "dame", "rev", "revd",
                          "cllr", "miss"})
_AFTER_TITLE = re.compile(r"\.?[ \t]+")


def digits_key(text: str) -> str:
    """The digits of a phone number as compared: "+44 (0)7700 900123" and "07700900123" alike."""
    digits = "".join(c for c in text if c.isdigit())
    if digits.startswith("44") and len(digits) >= 11:
        digits = digits[2:]
    return digits.lstrip("0")


@dataclass(frozen=True, eq=False)
class Identities:
    """The people a register names, as case-folded words (names split into words, the street
    names of addresses, the names in email addresses) and phone numbers (`digits_key`).
    Held in memory on the Register only: never written, and its repr shows counts alone."""

    complainants: frozenset[str] = frozenset()
    staff: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()

    def __repr__(self) -> str:
        return (f"Identities({len(self.complainants)} complainant words, {len(self.staff)} staff "
                f"words, {len(self.numbers)} numbers)")

    def __bool__(self) -> bool:
        return bool(self.complainants or self.staff or self.numbers)

    @functools.cached_property
    def words(self) -> frozenset[str]:
        """Every identity word, complainants' and staff's."""
        return self.complainants | self.staff


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, float):
        if value != value:
            return None
        return str(int(value)) if value.is_integer() else str(value)
    text = str(value).strip()
    return text if text and text not in ("<NA>", "nan", "NaT") else None


def _distinct(values: Iterable[Any]) -> list[str]:
    unique = pd.unique(np.asarray(values if isinstance(values, pd.Series) else list(values),
                                  dtype=object))
    return [t for v in unique if (t := v.strip() if type(v) is str else _text(v))]


def name_words(text: str, *, shortest: int = 2, exclude: frozenset[str] = NOT_NAMES
               ) -> set[str]:
    """The words of names in ``text`` that identify someone: case-folded, at least ``shortest``
    letters, none of ``exclude`` (titles, roles, relations, function words); "Smith-Jones"
    gives smith-jones, smith and jones."""
    out: set[str] = set()
    for word in set(_WORDS_IN.findall(text.casefold())):
        parts = _JOINERS.split(word) if "-" in word or "'" in word or "’" in word else ()
        out.update(w for w in (word, *parts) if len(w) >= shortest and w not in exclude)
    return out


def contact_parts(text: str) -> tuple[set[str], set[str]]:
    """(identity words, phone numbers) of contact cells ``text`` (joined by newlines): the
    names in email addresses and the street names of address lines (a line with a house
    number or a street word); towns are left out, since they name no one."""
    text = text.casefold()
    emails = EMAIL.findall(text) if "@" in text else []
    locals_ = re.sub(r"[._+\d]+", " ", " ".join(e.split("@", 1)[0] for e in emails))
    text = EMAIL.sub(" ", text) if emails else text
    numbers = {digits_key(m) for m in _DIGIT_RUN.findall(text)}
    text = POSTCODE.sub(" ", text)
    lines = "\n".join(_ADDRESS_LINE.findall(text))
    streets = name_words(re.sub(r"\d+[a-z]?\b", " ", lines), shortest=3,
                         exclude=NOT_NAMES | STREET_WORDS)
    return (name_words(locals_, shortest=3) | streets), {n for n in numbers if len(n) >= 6}


def collect(columns: Mapping[str, Iterable[Any]]) -> Identities:
    """The identities held by a register's cells, by canonical field (only the fields of
    IDENTITY_FIELDS are read): complainant names and contacts, and the staff of the
    investigator / action owner / signed-off-by columns."""
    complainants: set[str] = set()
    staff: set[str] = set()
    numbers: set[str] = set()
    for name, values in columns.items():
        if name not in IDENTITY_FIELDS:
            continue
        text = "\n".join(_distinct(values))
        if not text:
            continue
        if name == "complainant_contact":
            words, found = contact_parts(text)
            complainants |= words
            numbers |= found
        elif name == "complainant_name":
            complainants |= name_words(EMAIL.sub(" ", text) if "@" in text else text)
        else:
            staff |= name_words(EMAIL.sub(" ", text) if "@" in text else text)
    return Identities(frozenset(complainants), frozenset(staff), frozenset(numbers))


# ----------------------------------------------------------------------------- redaction


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or an array: not one missing value
        return False


def _is_identity(word: str, words: frozenset[str]) -> bool:
    if word in words:
        return True
    if "'" not in word and "’" not in word and "-" not in word:
        return False
    if word.endswith(("'s", "’s")) and word[:-2] in words:
        return True
    return any(len(p) >= 2 and p in words for p in _JOINERS.split(word))


def _titlecase(word: str) -> bool:
    return len(word) > 1 and word[0].isupper() and not word.isupper()


def _no_case_signal(words: list[str]) -> bool:
    """Text in capitals or Title Case Throughout: a capital says nothing about a word."""
    words = [w for w in words if w not in (REDACTED, _NAME)]
    return len(words) >= 4 and sum(w[0].isupper() for w in words) > 0.75 * len(words)


def _mid_sentence(parts: list[str], i: int) -> bool:
    """Whether the word at ``parts[i]`` follows other words of its sentence."""
    sep = parts[i - 1]
    if "\n" in sep:
        return False
    before = sep.rstrip()
    if before:
        return before[-1] not in _SENTENCE_BREAKS
    return i >= 3 or bool(parts[0].strip())


def _address(match: re.Match[str]) -> str:
    words = _WORDS_IN.findall(match.group(0).casefold())[:-1]
    return match.group(0) if any(w in COMMON_WORDS for w in words) else REDACTED


def _dob(match: re.Match[str]) -> str:
    return f"{match.group('key')}{match.group('sep') or ' '}{REDACTED}"


def _code(match: re.Match[str]) -> str:
    token = match.group(0)
    return token if _NOT_CODE.fullmatch(token) or token in ACRONYMS else REDACTED


def redact(text: Any, identities: Identities | None = None, *, public: bool = True,
           addresses: bool = True) -> str:
    """``text`` with personal data replaced by "[redacted]".

    Always: emails, URLs, dates of birth, National Insurance numbers, postcodes, UK phone
    numbers, NHS numbers and other runs of nine or more digits, house-number addresses, titled
    names ("Mrs X", "Mr X Y", "Dr X"; the title is kept), every word of an identity in
    ``identities`` whatever its case (whole word, possessive and hyphenated forms too) and its
    phone numbers, and a capitalised word right beside a name. With ``public`` (what leaves the
    auditor's hands) also codes mixing letters and digits (case references), numbers of six
    digits or more and capitalised words in mid-sentence that are not known ordinary words
    (names the register does not hold). Ordinary words are kept, whether or not they start a
    sentence; text with nothing to redact comes back as it was. Runs of redactions collapse
    into one. ``addresses=False`` keeps house-number addresses that hold no identity (a
    category value such as the service location "12 Elm Close").
    """
    if _missing(text):
        return ""
    source = out = str(text)
    if "@" in out:
        out = EMAIL.sub(REDACTED, out)
    if "://" in out or "www." in out.casefold():
        out = URL.sub(REDACTED, out)
    if _DIGIT.search(out):
        out = _DOB.sub(_dob, out)
        out = _NUMBERS.sub(REDACTED, out)
        if identities is not None and identities.numbers:
            out = _DIGIT_RUN.sub(lambda m: REDACTED if digits_key(m.group(0))
                                 in identities.numbers else m.group(0), out)
        if addresses:
            out = ADDRESS.sub(_address, out)
        if public:
            out = CODE.sub(_code, out)
            out = LONG_NUMBER.sub(REDACTED, out)
    out = _words(out, identities.words if identities is not None else frozenset(), public)
    if out == source:
        return source
    out = out.replace(_NAME, REDACTED)
    out = _RUN.sub(REDACTED, out)
    if out.count(")") > out.count("("):  # the opening bracket went with a phone number
        out = out.replace(REDACTED + ")", REDACTED)
    out = out.replace("(" + REDACTED + ")", REDACTED)
    return re.sub(r"[ \t]+", " ", out).strip()


_LOWER_WORD = re.compile(r"\b[a-z]+\b")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)\s*")
_OPENER = re.compile(r"\s*[\"“‘'(]*([^\W\d_]+)")


def lower_case_words(texts: Iterable[Any]) -> frozenset[str]:
    """Every word the texts write in lower case: the ordinary words of a register's free text."""
    return frozenset(w for t in texts if not _missing(t) for w in _LOWER_WORD.findall(str(t)))


def without_unknown_openers(text: Any, ordinary: frozenset[str]) -> str:
    """``text`` without the sentences that open with a capitalised word the register never
    writes in lower case (``ordinary``, from `lower_case_words`) and that is no kept word
    (KEEP_CAPITALISED): a name no name column holds ("Irene has asthma.", about the
    complainant's mother) is told from an ordinary word only by how the register writes it,
    and at the start of a sentence the capital says nothing. Mid-sentence names are `redact`'s."""
    if _missing(text):
        return ""
    kept = []
    for sentence in _SENTENCE.findall(str(text)):
        m = _OPENER.match(sentence)
        word = m.group(1) if m else ""
        if word and _titlecase(word) and word.casefold() not in ordinary \
                and word.casefold() not in KEEP_CAPITALISED:
            continue
        kept.append(sentence)
    return "".join(kept).strip()


def _words(text: str, words: frozenset[str], public: bool) -> str:
    """Identity words, titled names, capitalised words beside them and (``public``) unknown
    capitalised words in mid-sentence marked as names."""
    parts = _TOKEN.split(text)
    if len(parts) == 1:
        return text
    no_case = _no_case_signal(parts[1::2])
    last = len(parts) - 2
    for i in range(1, len(parts), 2):
        token = parts[i]
        if token in (REDACTED, _NAME):
            continue
        folded = token.casefold()
        if folded in _TITLE_WORDS and i < last and _AFTER_TITLE.fullmatch(parts[i + 1]) \
                and (folded != "miss" or not token.islower()):
            _titled(parts, i + 2, no_case)
            continue
        known = bool(words) and _is_identity(folded, words)
        # a capitalised word in mid-sentence that is not an ordinary word: a name or a place
        unknown = (public and not no_case and _titlecase(token) and _mid_sentence(parts, i)
                   and folded not in KEEP_CAPITALISED and token not in ACRONYMS)
        if known or unknown:
            parts[i] = _NAME
    if not no_case:
        _spread(parts)
    return "".join(parts)


def _titled(parts: list[str], i: int, no_case: bool) -> None:
    """The name after a title: its first word unless an ordinary one, and the next word when it
    is capitalised (or the text has no case to go by) and not an ordinary word."""
    if parts[i] in (REDACTED, _NAME) or parts[i].casefold() in COMMON_WORDS:
        return
    parts[i] = _NAME
    j = i + 2
    if j < len(parts) and parts[i + 1].isspace() and parts[j] not in (REDACTED, _NAME) \
            and (no_case or parts[j][0].isupper()) and parts[j].casefold() not in COMMON_WORDS:
        parts[j] = _NAME


def _spread(parts: list[str]) -> None:
    """A capitalised word beside a name (only spaces between) is taken for part of it."""
    changed = True
    while changed:
        changed = False
        for i in range(1, len(parts), 2):
            token = parts[i]
            if (token in (REDACTED, _NAME) or not _titlecase(token)
                    or token.casefold() in KEEP_CAPITALISED):
                continue
            left = i >= 3 and parts[i - 2] == _NAME and parts[i - 1].isspace()
            right = i + 2 < len(parts) and parts[i + 2] == _NAME and parts[i + 1].isspace()
            if left or right:
                parts[i] = _NAME
                changed = True
