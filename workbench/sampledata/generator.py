"""Deterministic fictional complaint records for a provider profile (the sample data's content)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from workbench.register.schema import normalise
from workbench.sampledata.profiles import Profile

DEFAULT_SEED = 20250401
# the two-stage fields a register may keep (workbench/data/register_schema.yaml)
TWO_STAGE_FIELDS = ("date_stage2_acknowledged", "date_stage2_response_sent",
                    "stage2_extension_days", "tenure")
P_LCHO = 0.12  # share of a housing association's complaints from shared owners
COMMISSIONER = "Northshire County Council"
PERIOD = "2024-25"
START = date(2023, 4, 1)
END = date(2025, 3, 31)  # registers are extracts taken at the end of 2024-25
FIXED_TIMESTAMP = datetime(2025, 4, 1, 9, 0, 0)

# England and Wales bank holidays over the sample period (working days skip these and weekends).
BANK_HOLIDAYS = [
    "2023-04-07", "2023-04-10", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-28",
    "2023-12-25", "2023-12-26", "2024-01-01", "2024-03-29", "2024-04-01", "2024-05-06",
    "2024-05-27", "2024-08-26", "2024-12-25", "2024-12-26", "2025-01-01", "2025-04-18",
    "2025-04-21", "2025-05-05", "2025-05-26", "2025-08-25", "2025-12-25", "2025-12-26",
    "2026-01-01", "2026-04-03", "2026-04-06",
]
# Scotland's over the same years: 2 January, the first Monday of August and St Andrew's Day (30
# November, or the Monday after when it falls at a weekend: 2 December 2024, 1 December 2025);
# no Easter Monday and no late-August holiday.
SCOTLAND_BANK_HOLIDAYS = [
    "2023-04-07", "2023-05-01", "2023-05-08", "2023-05-29", "2023-08-07", "2023-11-30",
    "2023-12-25", "2023-12-26", "2024-01-01", "2024-01-02", "2024-03-29", "2024-05-06",
    "2024-05-27", "2024-08-05", "2024-12-02", "2024-12-25", "2024-12-26", "2025-01-01",
    "2025-01-02", "2025-04-18", "2025-05-05", "2025-05-26", "2025-08-04", "2025-12-01",
    "2025-12-25", "2025-12-26", "2026-01-01", "2026-01-02", "2026-04-03",
]
REGION_HOLIDAYS = {"england-wales": BANK_HOLIDAYS, "scotland": SCOTLAND_BANK_HOLIDAYS}

# ----------------------------------------------------------------------------- word lists
FIRST = ["Margaret", "Susan", "David", "John", "Patricia", "Peter", "Janet", "Alan", "Linda",
         "Brian", "Christine", "Graham", "Helen", "Keith", "Sandra", "Michael", "Joan", "Trevor",
         "Karen", "Stephen", "Pauline", "Raymond", "Angela", "Derek", "Sarah", "Gareth", "Ruth",
         "Colin", "Emma", "Mohammed", "Aisha", "Priya", "Rajesh", "Nkechi", "Tomasz", "Agnieszka",
         "Sean", "Siobhan", "Fiona", "Hamish", "Megan", "Rhys", "Bethan", "Lauren", "Jordan",
         "Chloe", "Daniel", "Amira", "Yusuf", "Grace", "Oliver", "Hannah", "Kwame", "Mei",
         "Declan", "Irene", "Norman", "Doreen", "Harold", "Maureen"]
SURNAME = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies",
           "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green",
           "Hall", "Wood", "Jackson", "Clarke", "Patel", "Khan", "Hussain", "Begum", "Okafor",
           "Mensah", "Kowalski", "Nowak", "O'Brien", "McLeod", "Fraser", "Pryce", "Llewellyn",
           "Hughes", "Ashworth", "Barraclough", "Pickering", "Sutcliffe", "Holroyd", "Entwistle",
           "Fairbairn", "Whitfield", "Kaur", "Singh", "Chen", "Achebe", "Lindqvist", "Moreau",
           "Harding", "Cartwright", "Thornton", "Brennan", "Gallagher", "Redfern", "Marsh"]
# Staff (investigators, action owners, managers) come from their own pools, which share no name
# with the complainants' and service users': a staff name in an output is never mistaken for a
# complainant's, and one test can tell where each reaches. Same lengths as FIRST and SURNAME,
# so the draws (and every other cell) are as they were.
STAFF_FIRST = ["Abigail", "Adrian", "Alison", "Ambrose", "Annette", "Barnaby", "Beatrice",
               "Bernard", "Bronwen", "Calum", "Candice", "Cedric", "Clarissa", "Cormac", "Damian",
               "Delyth", "Desmond", "Edwina", "Eleanor", "Elliot", "Esther", "Felix", "Florence",
               "Gideon", "Gwendolen", "Harriet", "Imogen", "Isaac", "Jasper", "Josephine",
               "Kieran", "Lavinia", "Leopold", "Lorna", "Malcolm", "Marcus", "Matilda", "Miriam",
               "Nathaniel", "Nia", "Orla", "Oswald", "Penelope", "Quentin", "Rosalind", "Rupert",
               "Saoirse", "Sebastian", "Tabitha", "Tamsin", "Theodore", "Ursula", "Valerie",
               "Victor", "Wilfred", "Winifred", "Xavier", "Yvonne", "Zachary", "Zara"]
STAFF_SURNAME = ["Abernethy", "Ainsworth", "Balfour", "Blackwood", "Calloway", "Carrington",
                 "Cheetham", "Crabtree", "Dunmore", "Eastwood", "Fenwick", "Fothergill",
                 "Garside", "Goodall", "Greenhalgh", "Hargreaves", "Hetherington", "Ibbotson",
                 "Jagger", "Kenyon", "Lambourne", "Lockwood", "Mallinson", "Merriman",
                 "Nettleton", "Oddie", "Ormerod", "Pemberton", "Quigley", "Ramsbottom",
                 "Rawnsley", "Scarisbrick", "Sedgwick", "Shackleton", "Stansfield", "Tattersall",
                 "Thistlethwaite", "Umpleby", "Varley", "Wadsworth", "Warburton", "Whiteley",
                 "Wigglesworth", "Yardley", "Youngman", "Ackroyd", "Bairstow", "Brigg",
                 "Dewhurst", "Eccleston", "Fawcett", "Haworth", "Illingworth", "Mottram",
                 "Pilling"]
STREETS = ["Larch Road", "Mill Lane", "Church Street", "Station Road", "Victoria Terrace",
           "Meadow Close", "Orchard Way", "Bridge Street", "Kingsway", "Sandpiper Drive",
           "Hawthorn Avenue", "Quarry Hill", "Market Place", "Beech Grove", "Coronation Road"]
TOWNS = ["Kingsmere", "Brackenford", "Hollowbridge", "Millthorpe", "Saltmarsh", "Redwater",
         "Ashfield Cross", "Eastwick Vale"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
RELATIONS = ["daughter", "son", "wife", "husband", "niece", "nephew", "sister", "brother",
             "neighbour", "advocate", "social worker", "granddaughter"]

# ----------------------------------------------------------------------------- themes
# key -> (summary openings, optional detail sentences). Slots: {su} service user, {rel} relation,
# {day} weekday, {slot} call/meal time, {mins}, {n}, {amount}, {item}, {defect}, {activity}, {med}.
THEMES: dict[str, tuple[list[str], list[str]]] = {
    "missed_visit": (
        ["Carer did not arrive for the {slot} call on {day} and {su} was left without support.",
         "No one turned up for the {slot} visit on {day}; the office did not ring to say it was "
         "cancelled.",
         "{Rel} reports {n} missed calls in the past fortnight.",
         "The {slot} call was missed on {day} and {su} had no meal until the evening.",
         "Double-up call went ahead with only one carer, then the second visit was missed "
         "altogether."],
        ["{Rel} had to leave work to cover the visit.",
         "The on-call number went to voicemail.",
         "This is the third time this month.",
         "{su} was found still in bed at lunchtime."]),
    "late_visit": (
        ["The {slot} call was {mins} minutes late again on {day}.",
         "Carers keep arriving well outside the agreed time window for the {slot} call.",
         "Bedtime call arrives at 7pm, which is far too early for {su}.",
         "{Rel} says call times change every week without notice."],
        ["{su} missed {med} because the call was so late.",
         "The rota shows travel time of five minutes between calls that are twenty miles apart.",
         "{Rel} wants a consistent time agreed in the care plan."]),
    "medication": (
        ["{su} was given the {slot} medication twice on {day}.",
         "Medication not signed for on the MAR chart on {day}; {rel} found tablets on the floor.",
         "Missed dose of {med} over the weekend.",
         "Staff did not reorder {med} in time and {su} went without for {n} days."],
        ["GP had to be contacted.", "No harm resulted but {rel} is very worried.",
         "A medication incident form was completed."]),
    "staff_attitude": (
        ["{Rel} says a member of staff was rude and dismissive when asked about {su}'s care.",
         "Carer was on the phone throughout the visit and spoke to {su} abruptly.",
         "Staff member raised their voice at {su} in front of other residents.",
         "Manager was unhelpful when {rel} phoned to raise concerns."],
        ["{Rel} quotes the carer as saying \u201cthat\u2019s not my job\u201d.",
         "{su} is now anxious about the visits.",
         "{Rel} would like an apology."]),
    "food": (
        ["Meals served cold on several days this week.",
         "{su}'s soft diet was not followed at lunch on {day}.",
         "Not enough choice on the menu for people who are vegetarian.",
         "{su} was not offered drinks between meals and appeared dehydrated."],
        ["{Rel} has raised this before.", "The kitchen was short of staff."]),
    "cleanliness": (
        ["{su}'s room was not cleaned for over a week.",
         "Bathroom on the first floor has been dirty and smelling of urine.",
         "Communal lounge carpets stained and not cleaned.",
         "Bins in the communal area overflowing for {n} days."],
        ["{Rel} took photographs.", "Cleaner on long-term sick with no cover."]),
    "lost_property": (
        ["{item} went missing from {su}'s room.",
         "Laundry lost: several items of {su}'s clothing have not come back.",
         "{su}'s {item} was lost after the room move."],
        ["{Rel} is asking for the cost (about \u00a3{amount}) to be reimbursed.",
         "Items were named as requested."]),
    "billing": (
        ["Invoiced \u00a3{amount} for visits that did not take place.",
         "Top-up fee increased by \u00a3{amount} a week without notice.",
         "Service charge statement is wrong; charged \u00a3{amount} twice.",
         "{Rel} received a final demand for \u00a3{amount} that was already paid."],
        ["Finance team has not replied to two emails.", "{Rel} wants a refund."]),
    "communication": (
        ["Family not told about {su}'s fall until the next day.",
         "Phone calls to the office are not returned.",
         "{Rel} was not invited to the care plan review.",
         "Change of carer on {day} was not explained to {su}."],
        ["{Rel} had to find out from another resident's family.",
         "Emails sent on {n} occasions without reply."]),
    "repairs": (
        ["Reported {defect} {n} weeks ago; still not repaired.",
         "Contractor did not turn up for the repair appointment on {day}.",
         "Damp and mould in the bedroom reported repeatedly with no action.",
         "Heating not working in the flat since {day}."],
        ["{su} has asthma and the damp is making it worse.",
         "Tenant took {n} days off work waiting in.",
         "Repair was marked as complete but nothing was done."]),
    "asb": (
        ["Noise from the neighbouring flat late at night most days.",
         "Another tenant has been shouting abuse at {su} in the communal area.",
         "Visitors to the scheme are using drugs in the stairwell.",
         "Repeated banging on {su}'s door at night."],
        ["Reported to staff {n} times.", "{su} no longer feels safe at home."]),
    "safeguarding": (
        ["{Rel} raised concerns about unexplained bruising on {su}'s arm.",
         "Concern that {su} was left alone for long periods.",
         "{su} says money has gone missing from their purse.",
         "Concern about how {su} was moved using the hoist."],
        ["Referred to the council's safeguarding team the same day.",
         "Handled alongside a safeguarding enquiry."]),
    "activities": (
        ["The {activity} session was cancelled for the third week running without notice.",
         "{su} has had no activities offered for weeks.",
         "Outing to the coast cancelled at the last minute.",
         "Activities not suitable for {su}'s needs."],
        ["{Rel} says {su} is bored and withdrawn.", "Activity coordinator post is vacant."]),
    "transport": (
        ["Minibus did not collect {su} on {day}.",
         "Driver left {su} waiting outside in the cold for {mins} minutes.",
         "Transport arrived {mins} minutes late so {su} missed the {activity} session.",
         "{su} was dropped home to an empty house."],
        ["{Rel} had to collect {su}.", "The office did not answer the phone."]),
    "care_quality": (
        ["Personal care not carried out as set out in the care plan.",
         "{su} was left in wet clothes for several hours on {day}.",
         "{su}'s pressure area care was not done and a sore developed.",
         "Care plan not followed after discharge from hospital."],
        ["{Rel} wants a review of the care plan.", "District nurse also raised this."]),
    "staffing": (
        ["Too many different carers; {su} saw {n} new faces this month.",
         "Agency staff do not know {su}'s routines.",
         "Not enough staff on shift at weekends.",
         "{su}'s keyworker has changed three times since the summer."],
        ["{su} finds it distressing.", "{Rel} is worried about continuity."]),
}
COMPLIMENTS = [
    "Thank you card from {rel} for the care given to {su}.",
    "{Rel} phoned to praise the team for going above and beyond.",
    "Lovely feedback about the {activity} session.",
    "{su} wanted to thank the staff for the birthday celebration.",
    "Email from {rel}: \u201cwe couldn\u2019t have asked for more\u201d.",
    "{Rel} thanked the manager for sorting out the rota so quickly.",
    "Card and chocolates from {rel} after {su}'s stay.",
]
CLOSINGS = ["{Rel} would like an apology.", "Wants a meeting with the manager.",
            "{Rel} asks for this to be looked into urgently.", "", "", ""]

ACTIONS = {
    "missed_visit": ["Rota system reviewed; coordinator to check unallocated calls by 4pm daily.",
                     "Missed-call alert set up on the electronic call monitoring system."],
    "late_visit": ["Runs redesigned to allow realistic travel time.",
                   "Call windows agreed with the customer and added to the care plan."],
    "medication": ["Medication competency reassessed for the staff involved.",
                   "MAR chart audit moved from monthly to weekly."],
    "staff_attitude": ["Supervision held with the staff member; customer care refresher booked.",
                       "Values and dignity training for the team."],
    "food": ["Menu reviewed with residents; hot trolleys serviced.",
             "Kitchen staff briefed on modified diets."],
    "cleanliness": ["Cleaning schedule revised and checked by the deputy manager.",
                    "Housekeeping cover arranged for sickness."],
    "lost_property": ["Property lists checked on admission and room moves.",
                      "Laundry labelling process changed."],
    "billing": ["Invoice checked against call monitoring before it is sent.",
                "Refund issued and finance procedure updated."],
    "communication": ["Family contact preferences recorded in the care plan.",
                      "Office call-back log introduced."],
    "repairs": ["Repairs contractor performance meeting held; follow-up inspections added.",
                "Damp and mould inspection programme for the scheme."],
    "asb": ["Tenancy warning issued and ASB action plan agreed.",
            "CCTV and door entry reviewed with the police."],
    "safeguarding": ["Safeguarding training refreshed for all staff.",
                     "Body maps to be completed after every incident."],
    "activities": ["Activity programme published monthly; cover arranged for the coordinator.",
                   "Cancelled sessions to be rebooked within a week."],
    "transport": ["Transport schedule re-planned with the driver team.",
                  "Text message alert for late pick-ups."],
    "care_quality": ["Care plan reviewed with the family; spot checks increased.",
                     "Pressure care training for the team."],
    "staffing": ["Recruitment drive; regular carers allocated where possible.",
                 "Agency induction checklist introduced."],
}
LEARNING = ["Shared at team meeting.", "Discussed in supervision and at the staff briefing.",
            "Included in the quarterly learning bulletin.", "Added to induction training.",
            "Reminder issued to all staff about the procedure."]
OUTCOME_TEXT = {
    "upheld": ["Investigation confirmed the concerns. Apology given.",
               "Records showed the service fell short. Apology and explanation given.",
               "Complaint upheld; apology and goodwill gesture offered."],
    "partly_upheld": ["Some points upheld; others not supported by the records.",
                      "Partly upheld: the delay is accepted but the care given was appropriate.",
                      "Apology for the communication; the care itself met the plan."],
    "not_upheld": ["Records and staff accounts show the service was delivered as planned.",
                   "No evidence found to support the concerns; explanation given.",
                   "Staff statements and records do not support the complaint."],
}
ESCALATION_TEXT = ["Unhappy with the stage 1 response; reviewed by the operations manager.",
                   "{Rel} asked for a review; meeting held.",
                   "Complainant disagreed with the outcome and asked for stage 2."]

# Root causes (the seed's "potential failures") likely for each theme.
CAUSES = ("human_error", "behaviour", "resources", "procedural", "service", "organisation")
THEME_CAUSES = {
    "missed_visit": [0.25, 0.0, 0.45, 0.2, 0.1, 0.0],
    "late_visit": [0.15, 0.0, 0.55, 0.2, 0.1, 0.0],
    "medication": [0.6, 0.0, 0.05, 0.35, 0.0, 0.0],
    "staff_attitude": [0.15, 0.85, 0.0, 0.0, 0.0, 0.0],
    "billing": [0.2, 0.0, 0.0, 0.6, 0.0, 0.2],
    "repairs": [0.05, 0.0, 0.4, 0.2, 0.3, 0.05],
    "safeguarding": [0.3, 0.2, 0.1, 0.2, 0.0, 0.2],
    "communication": [0.3, 0.1, 0.1, 0.45, 0.0, 0.05],
}
DEFAULT_CAUSES = [0.3, 0.1, 0.2, 0.2, 0.15, 0.05]

SERVICE_THEMES = {
    "care home": {"care_quality": 20, "staff_attitude": 12, "food": 10, "cleanliness": 8,
                  "lost_property": 10, "communication": 14, "medication": 8, "billing": 6,
                  "activities": 6, "safeguarding": 4, "staffing": 4},
    "home care": {"missed_visit": 14, "late_visit": 18, "staff_attitude": 10, "medication": 8,
                  "communication": 12, "billing": 8, "care_quality": 12, "staffing": 10,
                  "safeguarding": 2},
    "supported housing": {"repairs": 28, "asb": 16, "staff_attitude": 10, "communication": 12,
                          "billing": 10, "cleanliness": 8, "safeguarding": 4, "staffing": 12},
    "day services": {"activities": 25, "transport": 25, "food": 10, "staff_attitude": 10,
                     "communication": 15, "lost_property": 8, "care_quality": 7},
    "supported living": {"staffing": 18, "communication": 18, "activities": 14,
                         "care_quality": 14, "medication": 10, "staff_attitude": 10,
                         "lost_property": 6, "safeguarding": 5, "billing": 5},
    "housing association": {"repairs": 38, "asb": 15, "communication": 12, "billing": 10,
                            "staff_attitude": 8, "cleanliness": 9, "safeguarding": 2,
                            "staffing": 6},
}


# ----------------------------------------------------------------------------- generation
def _stable(text: str) -> int:
    """A process-independent integer for a string (Python's hash() is salted per process)."""
    return int.from_bytes(text.encode("utf-8")[:16].ljust(16, b"\0"), "big") % (2**63)


class _Calendar:
    """Working days (weekends, the region's bank holidays and the provider's closures)."""

    def __init__(self, closures: tuple[str, ...], region: str = "england-wales"):
        if region not in REGION_HOLIDAYS:
            raise ValueError(f"no sample bank holidays for region {region!r} "
                             f"(known: {', '.join(REGION_HOLIDAYS)})")
        self.holidays = np.array([*REGION_HOLIDAYS[region], *closures], dtype="datetime64[D]")

    def add(self, start: date, days: int) -> date:
        d = np.busday_offset(np.datetime64(start, "D"), int(days), roll="backward",
                             holidays=self.holidays)
        return d.astype("datetime64[D]").item()

    def between(self, start: date, end: date) -> int:
        return int(np.busday_count(np.datetime64(start, "D") + 1, np.datetime64(end, "D") + 1,
                                   holidays=self.holidays))


class RecordGenerator:
    """One provider's records, drawn from its own seeded numpy Generator."""

    def __init__(self, profile: Profile, seed: int):
        self.p, self.seed = profile, seed
        self.rng = np.random.default_rng([seed, _stable(profile.id)])
        self.cal = _Calendar(profile.closures, profile.holidays)
        people = [self._staff_person() for _ in range(14)]
        n_inv = 2 if profile.service_users < 100 else (4 if profile.service_users < 1000 else 12)
        self.investigators = people[:n_inv]
        self.owners = people[:n_inv] + people[n_inv:n_inv + 3]
        self.signers = [f"{people[-1]} (Registered Manager)",
                        f"{people[-2]} (Operations Director)"]

    # -- small draws
    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def _person(self) -> str:
        return f"{self.pick(FIRST)} {self.pick(SURNAME)}"

    def _staff_person(self) -> str:
        return f"{self.pick(STAFF_FIRST)} {self.pick(STAFF_SURNAME)}"

    def _contact(self, name: str, style: str) -> str:
        first, _, last = name.partition(" ")
        kind = self.rng.random()
        if style == "email" or (style == "any" and kind < 0.35):
            user = f"{first}.{last}".lower().replace("'", "")
            return f"{user}@{self.pick(['example.com', 'example.org'])}"
        if style == "address":
            return (f"{int(self.rng.integers(1, 120))} {self.pick(STREETS)}, "
                    f"{self.pick(TOWNS)} NS{int(self.rng.integers(1, 9))} "
                    f"{int(self.rng.integers(1, 9))}{self.pick('ABDEFGHJLNPQRSTUWXYZ')}"
                    f"{self.pick('ABDEFGHJLNPQRSTUWXYZ')}")
        if kind < 0.7:
            return f"01632 960{int(self.rng.integers(0, 1000)):03d}"
        return f"07700 900{int(self.rng.integers(0, 1000)):03d}"

    def _fill(self, text: str, su: str, rel: str) -> str:
        slots = {
            "su": su, "rel": f"her {rel}" if self.chance(0.5) else f"his {rel}",
            "day": self.pick(WEEKDAYS), "slot": self.pick(["morning", "lunchtime", "tea-time",
                                                           "bedtime"]),
            "mins": int(self.rng.integers(4, 19)) * 5, "n": int(self.rng.integers(2, 7)),
            "amount": f"{self.rng.integers(12, 480)}.{self.rng.integers(0, 100):02d}",
            "item": self.pick(["A hearing aid", "Glasses", "A wedding ring", "A cardigan",
                               "A mobile phone", "Dentures", "A radio"]),
            "defect": self.pick(["a leaking tap", "a broken window", "a faulty boiler",
                                 "a broken door entry system", "a blocked drain", "damp"]),
            "activity": self.pick(["art", "music", "gardening", "swimming", "cookery",
                                   "drama", "chair exercise"]),
            "med": self.pick(["his insulin", "her inhaler", "pain relief", "the evening tablets",
                              "antibiotics"]),
        }
        slots["Rel"] = slots["rel"][0].upper() + slots["rel"][1:]
        out = text.format(**slots)
        return out[0].upper() + out[1:]

    def _summary(self, theme: str, su: str, rel: str) -> str:
        openings, details = THEMES[theme]
        parts = [self._fill(self.pick(openings), su, rel)]
        if self.chance(0.55):
            parts.append(self._fill(self.pick(details), su, rel))
        closing = self.pick(CLOSINGS)
        if closing:
            parts.append(self._fill(closing, su, rel))
        return " ".join(parts)

    # -- dates
    def _received_dates(self) -> list[tuple[date, str | None]]:
        """(date received, forced theme or None) for every complaint, oldest first."""
        p, out = self.p, []
        for year, n in enumerate(p.complaints):
            fy_start = date(2023 + year, 4, 1)
            for q in range(4):
                q_start = _add_months(fy_start, 3 * q)
                q_end = _add_months(q_start, 3) - timedelta(days=1)
                base = n / 4 * float(self.rng.uniform(0.85, 1.15))
                out += [(d, None) for d in self._dates_in(q_start, q_end, base)]
                if p.trend:
                    themes, mult = p.trend
                    weights = SERVICE_THEMES[p.theme_set]
                    share = sum(weights[t] for t in themes) / sum(weights.values())
                    extra = n / 4 * share * (mult[4 * year + q] - 1.0)
                    if extra > 0:
                        for d in self._dates_in(q_start, q_end, extra):
                            out.append((d, self.pick(themes)))
        out.sort(key=lambda x: x[0])
        return out

    def _dates_in(self, start: date, end: date, expected: float) -> list[date]:
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        w = np.array([0.15 if d.weekday() >= 5 else 1.0 for d in days])
        k = int(self.rng.poisson(expected))
        idx = self.rng.choice(len(days), size=k, p=w / w.sum())
        return [days[i] for i in sorted(idx)]

    def records(self) -> list[dict[str, Any]]:
        p = self.p
        recs = [self._complaint(d, forced) for d, forced in self._received_dates()]
        for year, n in enumerate(p.compliments):
            fy_start = date(2023 + year, 4, 1)
            for d in self._dates_in(fy_start, _add_months(fy_start, 12) - timedelta(days=1), n):
                recs.append(self._compliment(d))
        recs.sort(key=lambda r: (r["date_received"], r["record_kind"]))
        counters: dict[Any, int] = {}
        for r in recs:
            received, comp = r["date_received"], r["record_kind"] == "compliment"
            key = self._ref_key(received, comp)
            counters[key] = counters.get(key, 0) + 1
            r["reference"] = p.reference(counters[key], received, comp)
        self._mess(recs)
        self._direct_stage2(recs)
        self._stage1_extensions(recs)
        self._two_stages(recs)
        return recs

    def _direct_stage2(self, recs: list[dict[str, Any]]) -> None:
        """Complaints taken straight to stage 2 (complex ones, started at investigation): no
        stage 1 response, stage 2 from receipt, closed when stage 2 answers. Drawn from a
        generator of their own, and only for a profile that has them."""
        if not self.p.p_direct_stage2:
            return
        rng = np.random.default_rng([self.seed, _stable(self.p.id), 3])
        for r in recs:
            if r["record_kind"] != "complaint" or r.get("stage") != "1" \
                    or "date_response_sent" not in r:
                continue
            if rng.random() < self.p.p_direct_stage2:
                del r["date_response_sent"]
                r.pop("date_closed", None)
                r["date_stage2"], r["stage"], r["escalated"] = r["date_received"], "2", True
                r["_direct"] = True

    def _stage1_extensions(self, recs: list[dict[str, Any]]) -> None:
        """An agreed stage 1 extension on some of the responses later than the stage 1 limit,
        for a register with a stage 1 extension column (its own generator)."""
        p = self.p
        if "stage1_extension_days" not in {k for k, _ in p.columns}:
            return
        rng = np.random.default_rng([self.seed, _stable(p.id), 4])
        for r in recs:
            sent = r.get("date_response_sent")
            if r["record_kind"] != "complaint" or sent is None:
                continue
            late = self.cal.between(r["date_received"], sent) > p.stage1_days
            if late and rng.random() < p.p_stage1_extension:
                r["stage1_extension_days"] = p.stage1_days

    def _two_stages(self, recs: list[dict[str, Any]]) -> None:
        """Stage 2 acknowledgement and response dates, and tenure, for a register that keeps
        them (a housing association on the Housing Ombudsman's Code, a Scottish landlord on the
        SPSO's model). Drawn from a generator of their own, so every other cell is what it was
        without them."""
        fields = {k for k, _ in self.p.columns}
        if not fields & set(TWO_STAGE_FIELDS):
            return
        rng = np.random.default_rng([self.seed, _stable(self.p.id), 2])
        for r in recs:
            if r["record_kind"] != "complaint":
                continue
            if "tenure" in fields:
                r["tenure"] = "lcho" if rng.random() < P_LCHO else "lcra"
            s2 = r.get("date_stage2")
            if s2 is None:
                continue
            ack = self.cal.add(s2, 1 + int(rng.poisson(self.p.stage2_ack_lam)))
            if ack > END:
                continue
            r["date_stage2_acknowledged"] = ack
            late = rng.random() < 0.15
            extension = 0
            if rng.random() < 0.1:
                extension = int(rng.integers(5, 21))
                r["stage2_extension_days"] = extension
            lo, hi = self.p.stage2_days
            wd = int(rng.integers(lo, hi)) + (int(rng.integers(1, 8)) if late else 0) \
                + (int(rng.integers(0, extension + 1)) if extension else 0)
            response = self.cal.add(ack if self.p.stage2_from == "acknowledgement" else s2, wd)
            closed = r.get("date_closed")
            if closed is not None:
                response = max(ack, min(response, closed))
            if response <= END:
                r["date_stage2_response_sent"] = response
                if r.get("_direct"):
                    r["date_closed"] = response

    def _ref_key(self, received: date, compliment: bool) -> tuple:
        probe_a = self.p.reference(1, date(2023, 5, 1), False)
        probe_b = self.p.reference(1, date(2024, 5, 1), False)
        probe_c = self.p.reference(1, date(2023, 5, 1), True)
        fy = received.year if received.month >= 4 else received.year - 1
        return (fy if probe_a != probe_b else None, compliment if probe_a != probe_c else None)

    def _theme(self, received: date, forced: str | None) -> str:
        if forced:
            return forced
        weights = SERVICE_THEMES[self.p.theme_set]
        keys = list(weights)
        w = np.array([weights[k] for k in keys], dtype=float)
        return keys[int(self.rng.choice(len(keys), p=w / w.sum()))]

    def _compliment(self, received: date) -> dict[str, Any]:
        su, rel = self._su(), self.pick(RELATIONS)
        name = self._person()
        return {
            "record_kind": "compliment", "date_received": received,
            "location": self.pick(self.p.locations), "channel": self.pick(self.p.channels),
            "complainant_name": name,
            "complainant_contact": self._contact(name, self._contact_style()),
            "summary": self._fill(self.pick(COMPLIMENTS), su, rel), "type": "Compliment",
        }

    def _su(self) -> str:
        if self.chance(0.5):
            return self.pick(FIRST)
        return f"{self.pick(['Mr', 'Mrs', 'Ms', 'Miss'])} {self.pick(SURNAME)}"

    def _contact_style(self) -> str:
        cols = dict(self.p.columns)
        header = normalise(cols.get("complainant_contact", ""))
        return {"email": "email", "complainant address": "address"}.get(header, "any")

    def _complaint(self, received: date, forced: str | None) -> dict[str, Any]:
        p, cal, rng = self.p, self.cal, self.rng
        theme = self._theme(received, forced)
        su, rel = self._su(), self.pick(RELATIONS)
        name = self._person() if self.chance(0.7) else su if " " in su else self._person()
        r: dict[str, Any] = {
            "record_kind": "complaint", "date_received": received, "theme": theme,
            "type": p.theme_labels[theme], "location": self.pick(p.locations),
            "channel": self.pick(p.channels), "complainant_name": name,
            "complainant_contact": self._contact(name, self._contact_style()),
            "summary": self._summary(theme, su, rel),
        }
        if self.chance(p.p_late_complaint):
            r["date_of_event"] = received - timedelta(days=int(rng.integers(380, 600)))
        else:
            r["date_of_event"] = received - timedelta(days=int(rng.integers(0, 21)))
        if not self.chance(p.p_no_ack):
            r["date_acknowledged"] = cal.add(received, 1 + int(rng.poisson(p.ack_lam)))
        r["date_response_due"] = cal.add(received, p.targets[1])
        if not self.chance(p.p_no_investigator):
            r["investigator"] = self.pick(self.investigators)
        resp_wd = max(2, round(float(np.exp(np.log(p.resp_median) + p.resp_sigma *
                                            rng.standard_normal()))))
        responded = cal.add(received, resp_wd)
        stuck = (self.chance(p.p_stuck)
                 and received < date(2024, 9, 30))
        if responded > END or stuck:
            return r  # still open at the extract date: no response, outcome or closure
        r["date_response_sent"] = responded
        u = rng.random()
        outcome = ("upheld" if u < p.p_upheld else "partly_upheld"
                   if u < p.p_upheld + p.p_partly else "not_upheld")
        r["outcome_value"] = outcome
        if not self.chance(p.p_no_outcome):
            r["outcome"] = outcome
        r["outcome_description"] = self.pick(OUTCOME_TEXT[outcome])
        last = responded
        if outcome != "upheld" and self.chance(p.p_escalate):
            s2 = cal.add(responded, int(rng.integers(5, 30)))
            if s2 <= END:
                r["date_stage2"], r["stage"], last = s2, "2", s2
                r["escalation_details"] = self._fill(self.pick(ESCALATION_TEXT), su, rel)
                if self.chance(0.3):
                    dc = cal.add(s2, int(rng.integers(15, 45)))
                    if dc <= END:
                        r["date_commissioner"], r["stage"], last = dc, "commissioner", dc
                if self.chance(0.25):
                    do = cal.add(last, int(rng.integers(20, 60)))
                    if do <= END:
                        r["date_ombudsman"], r["stage"], last = do, "ombudsman", do
        r.setdefault("stage", "1")
        r["escalated"] = r["stage"] != "1"
        if r["stage"] == "1":
            r["date_closed"] = cal.add(responded, int(rng.integers(0, 3)))
        else:
            close = cal.add(last, int(rng.integers(10, 40)))
            if close <= END:
                r["date_closed"] = close
        if r.get("date_closed") and r["date_closed"] > END:
            del r["date_closed"]
        if outcome in ("upheld", "partly_upheld"):
            self._learning(r, theme, responded)
        elif self.chance(0.15):
            r["learning"] = "No learning identified."
        return r

    def _learning(self, r: dict[str, Any], theme: str, responded: date) -> None:
        p, rng = self.p, self.rng
        if p.causes is not None and self.chance(p.p_rca):
            w = np.array(THEME_CAUSES.get(theme, DEFAULT_CAUSES))
            r["root_cause"] = p.causes[CAUSES[int(rng.choice(len(CAUSES), p=w / w.sum()))]]
        if self.chance(p.p_learning):
            r["learning"] = self.pick(LEARNING)
        if not self.chance(p.p_action):
            return
        r["actions"] = self.pick(ACTIONS.get(theme, ACTIONS["communication"]))
        r["action_owner"] = self.pick(self.owners)
        due = responded + timedelta(days=int(rng.integers(14, 75)))
        r["action_due"] = due
        done = self.chance(p.p_done if due <= END else p.p_done * 0.4)
        if done:
            if self.chance(p.p_on_time):
                completed = due - timedelta(days=int(rng.integers(0, 14)))
                completed = max(completed, responded)
            else:
                completed = due + timedelta(days=int(rng.integers(3, 60)))
            if completed <= END:
                r["action_completed"] = completed
                if self.chance(p.p_signed):
                    r["action_signed_off_by"] = self.pick(self.signers)
        r["complainant_told_of_improvement"] = self.chance(p.p_told)

    # -- deliberate data-quality problems
    def _mess(self, recs: list[dict[str, Any]]) -> None:
        p, rng = self.p, self.rng
        complaints = [r for r in recs if r["record_kind"] == "complaint"]
        optional = ["complainant_contact", "channel", "location", "date_of_event", "type",
                    "date_response_due"]
        for r in complaints:
            for f in optional:
                if f in r and self.chance(p.p_blank):
                    r["_blank_" + f] = True
        for _ in range(p.duplicates):
            a, b = sorted(rng.choice(len(complaints), size=2, replace=False))
            complaints[b]["reference"] = complaints[a]["reference"]
        responded = [r for r in complaints if "date_response_sent" in r
                     and "date_acknowledged" in r and "date_closed" in r]
        for field_name, how in p.bad_dates:
            r = responded[int(rng.integers(len(responded)))]
            raw = r.setdefault("_raw", {})
            if how == "before":
                r[field_name] = r["date_received"] - timedelta(days=int(rng.integers(20, 60)))
            elif how == "future":
                r[field_name] = r[field_name].replace(year=2052)
            else:
                raw[field_name] = how
        for text in p.odd_outcomes:
            r = responded[int(rng.integers(len(responded)))]
            r.setdefault("_raw", {})["outcome"] = text


def _add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    return date(d.year + y, m + 1, 1)


