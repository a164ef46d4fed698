"""Deterministic sample registers, mappings and manifest for fictional Northshire County Council."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from workbench.atomic import write_bytes, write_text
from workbench.schema import load_schema, normalise

DEFAULT_SEED = 20250401
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


# ----------------------------------------------------------------------------- provider profiles
@dataclass(frozen=True)
class Profile:
    """Everything that makes one provider's register its own: volumes, behaviour and layout."""

    id: str
    name: str
    service_type: str
    theme_set: str
    service_users: int
    complaints: tuple[int, int]
    compliments: tuple[int, int]
    locations: tuple[str, ...]
    ref: Callable[[int, date, bool], str]
    columns: tuple[tuple[str, str], ...]   # (canonical field or "extra:<name>", header)
    theme_labels: dict[str, str]
    causes: dict[str, str] | None          # our cause key -> provider spelling (None: no RCA)
    outcomes: dict[str, tuple[str, ...]]   # canonical -> spellings, first most common
    booleans: tuple[str, str] = ("Yes", "No")
    told: tuple[str, str] | None = None    # own spellings for complainant told, if any
    escalated_as_stage: bool = False       # the escalated column holds the stage reached
    kinds: tuple[str, str] = ("Complaint", "Compliment")
    stages: dict[str, Any] = field(default_factory=lambda: {"1": "Stage 1", "2": "Stage 2",
                                                             "commissioner": "Commissioner",
                                                             "ombudsman": "Ombudsman"})
    channels: tuple[str, ...] = ("Phone", "Email", "Letter", "In person", "Web form")
    fmt: str = "xlsx"                      # xlsx | csv
    dates: str = "excel"                   # excel | dmy | short | mixed | iso | csv
    sheet: str = "Complaints"
    title: tuple[str, ...] = ()            # rows above the header (a "" is a blank row)
    merge_title: bool = False
    extra_sheets: tuple[str, ...] = ()     # sheets written before the register sheet
    after_sheets: tuple[str, ...] = ()
    targets: tuple[int, int] = (5, 20)
    closures: tuple[str, ...] = ()
    p_upheld: float = 0.25
    p_partly: float = 0.2
    p_no_outcome: float = 0.03
    ack_lam: float = 1.5
    p_no_ack: float = 0.03
    resp_median: float = 14.0
    resp_sigma: float = 0.45
    p_stuck: float = 0.0                   # complaints left open with no response at all
    p_rca: float = 0.7
    p_learning: float = 0.65
    p_action: float = 0.7
    p_done: float = 0.8                    # actions past due that were completed
    p_on_time: float = 0.8
    p_signed: float = 0.5
    p_told: float = 0.5
    p_escalate: float = 0.08
    p_no_investigator: float = 0.05
    p_blank: float = 0.01                  # random blanks in optional fields
    p_late_complaint: float = 0.012
    trend: tuple[tuple[str, ...], tuple[float, ...]] | None = None
    duplicates: int = 0
    bad_dates: tuple[tuple[str, str], ...] = ()  # (field, raw text or "before"/"future")
    odd_outcomes: tuple[str, ...] = ()     # unknown outcome spellings injected (data quality)
    notes: str = ""


def _ref(fmt: str, per_year: bool = True) -> Callable[[int, date, bool], str]:
    def make(n: int, received: date, compliment: bool) -> str:
        fy = received.year if received.month >= 4 else received.year - 1
        return fmt.format(n=n, fy=fy, yy=fy % 100, c="CMP" if compliment else "C")
    return make


def _cols(spec: str) -> tuple[tuple[str, str], ...]:
    """"field=Header" lines -> column tuples (keeps the provider's own order)."""
    out = []
    for line in spec.strip().splitlines():
        key, _, header = line.strip().partition("=")
        out.append((key.strip(), header))
    return tuple(out)


SEED_CAUSES = {"human_error": "Human error", "behaviour": "Inappropriate staff behaviour",
               "resources": "Resources too late or insufficient",
               "procedural": "Procedural or administrative problems",
               "service": "Service not able to deliver",
               "organisation": "Organisation not understanding or accepting its responsibilities"}


def profiles() -> list[Profile]:
    """The nine commissioned providers of Northshire County Council, in manifest order."""
    return [
        Profile(
            id="oakwood-care", name="Oakwood Care Homes Ltd", service_type="care home",
            theme_set="care home", service_users=150, complaints=(86, 92), compliments=(30, 34),
            locations=("Oakwood House", "Oakwood Grange", "The Beeches"),
            ref=_ref("OAK-{yy}-{n:04d}"), sheet="Complaints Log",
            title=("Oakwood Care Homes - Complaints Log 2023-25",
                   "Period: 1 April 2023 to 31 March 2025", ""), merge_title=True,
            extra_sheets=("Read me",), targets=(3, 20),
            columns=_cols("""
                reference=Ref No.
                record_kind=Feedback type
                date_received=Date Rec'd
                location=Home
                complainant_name=Complainant
                complainant_contact=Contact details
                channel=Received by
                type=Category
                summary=Summary of complaint
                date_of_event=Date of incident
                date_acknowledged=Date Ack'd
                investigator=Investigating officer
                date_response_due=Response due
                date_response_sent=Date of response
                outcome=Outcome
                outcome_description=Outcome details
                root_cause=Root cause
                learning=Lessons learnt
                actions=Actions
                action_owner=Action owner
                action_due=Action due
                action_completed=Action completed
                action_signed_off_by=Signed off by
                complainant_told_of_improvement=Family told of changes?
                escalated=Escalated?
                stage=Stage
                date_stage2=Stage 2 date
                date_ombudsman=LGO date
                date_closed=Date closed
                extra:notes=Notes"""),
            theme_labels={"care_quality": "Quality of care", "staff_attitude": "Staff attitude",
                          "food": "Food", "cleanliness": "Cleanliness",
                          "lost_property": "Lost property", "communication": "Communication",
                          "medication": "Medication", "billing": "Fees", "activities": "Activities",
                          "safeguarding": "Safeguarding", "staffing": "Staffing"},
            causes={"human_error": "Human error", "behaviour": "Staff behaviour",
                    "resources": "Insufficient resources",
                    "procedural": "Procedural/administrative",
                    "service": "Service unable to deliver", "organisation": "Management"},
            outcomes={"upheld": ("Upheld",), "partly_upheld": ("Partially upheld",),
                      "not_upheld": ("Not upheld",)},
            p_done=0.9, booleans=("Y", "N"), stages={"1": 1, "2": 2, "commissioner": "Council",
                                         "ombudsman": "LGO"},
            channels=("Telephone", "Email", "Letter", "Face to face"),
            duplicates=1, bad_dates=(("date_response_sent", "before"),),
            notes="Title rows and a merged title cell above the header; a 'Read me' sheet first; "
                  "real Excel dates; stage as numbers.",
        ),
        Profile(
            id="meadowbank-care", name="Meadowbank Lodge", service_type="care home",
            theme_set="care home", service_users=40, complaints=(104, 118), compliments=(0, 0),
            locations=("Ground floor", "First floor", "Bluebell unit (dementia)"),
            ref=_ref("MB/{fy}/{n:03d}"), sheet="Sheet1",
            title=("Meadowbank Lodge complaints 2023-2025",),
            columns=_cols("""
                reference=Log number
                date_received=Date logged
                location=Unit
                complainant_name=Name of complainant
                complainant_contact=Telephone
                type=Nature of complaint
                summary=Details
                date_acknowledged=Ack sent
                investigator=Handler
                date_response_due=Due date
                date_response_sent=Responded
                outcome=Decision
                outcome_description=What happened
                root_cause=Cause
                learning=Lessons
                actions=Action taken
                action_owner=Action lead
                action_due=Action target date
                action_completed=Date action completed
                complainant_told_of_improvement=Told of improvement
                escalated=Escalation
                date_closed=Date closed"""),
            theme_labels={"care_quality": "Care", "staff_attitude": "Attitude", "food": "Food",
                          "cleanliness": "Cleaning", "lost_property": "Lost items",
                          "communication": "Communication", "medication": "Meds",
                          "billing": "Fees", "activities": "Activities",
                          "safeguarding": "Safeguarding", "staffing": "Staffing"},
            causes={"human_error": "Staff error", "behaviour": "Attitude",
                    "resources": "Short staffed", "procedural": "Admin problem",
                    "service": "Couldn't deliver", "organisation": "Management"},
            outcomes={"upheld": ("Upheld", "upheld ", "UPHELD", "Upheld."),
                      "partly_upheld": ("Part Upheld", "Partly upheld", "part upheld"),
                      "not_upheld": ("Not Upheld", "NU", "N/U", "not upheld")},
            booleans=("Y", "N"), escalated_as_stage=True,
            stages={"1": "None", "2": "Stage 2", "commissioner": "Council",
                    "ombudsman": "Ombudsman"},
            channels=("Phone", "Email", "Letter", "Visit"),
            dates="mixed", p_upheld=0.5, p_partly=0.22, p_no_outcome=0.05, ack_lam=2.0,
            p_no_ack=0.08, resp_median=17, p_rca=0.45, p_learning=0.4, p_action=0.5, p_done=0.6,
            p_told=0.3, p_escalate=0.15, p_no_investigator=0.25, p_blank=0.03, duplicates=1,
            bad_dates=(("date_acknowledged", "before"),),
            notes="Small home with a very high upheld rate for its size; dates typed partly as "
                  "real dates and partly as text ('3.4.24', '03/04/24').",
        ),
        Profile(
            id="brightpath-homecare", name="BrightPath Home Care Ltd", service_type="home care",
            theme_set="home care", service_users=320, complaints=(165, 170), compliments=(40, 35),
            locations=("Kingsmere branch", "Brackenford branch", "Hollowbridge branch"),
            ref=_ref("BP{n:05d}", per_year=False), sheet="Complaints 2023-25",
            title=("BrightPath Home Care - complaints and compliments", ""),
            columns=_cols("""
                reference=Complaint ID
                record_kind=Type of feedback
                date_received=Received date
                extra:quarter=Quarter
                location=Branch
                complainant_name=Customer name
                complainant_contact=Contact info
                channel=Received via
                type=Complaint type
                summary=Complaint details
                date_of_event=Event date
                date_acknowledged=Acknowledgement date
                investigator=Assigned to
                date_response_due=Target date
                date_response_sent=Response date
                outcome=Outcome of investigation
                outcome_description=Resolution
                root_cause=Root cause category
                learning=Learning points
                actions=Improvement action
                action_owner=Responsible officer
                action_due=Action due date
                action_completed=Action completion date
                action_signed_off_by=Sign off
                complainant_told_of_improvement=Customer advised
                stage=Current stage
                date_stage2=Escalation date
                date_commissioner=Date referred to commissioner
                date_closed=Closed date"""),
            theme_labels={"missed_visit": "Missed visit", "late_visit": "Late visit",
                          "staff_attitude": "Staff conduct", "medication": "Medication",
                          "communication": "Communication", "billing": "Invoicing",
                          "care_quality": "Quality of care", "staffing": "Continuity of carers",
                          "safeguarding": "Safeguarding"},
            causes={"human_error": "Human Error", "behaviour": "Inappropriate staff behaviour",
                    "resources": "Staffing levels", "procedural": "Procedural or administrative",
                    "service": "Service not able to deliver", "organisation": "Governance"},
            outcomes={"upheld": ("Upheld", "upheld"), "partly_upheld": ("Partially Upheld",),
                      "not_upheld": ("Not Upheld", "Not upheld")},
            dates="dmy", p_upheld=0.28, p_partly=0.22, resp_median=15, p_done=0.85,
            trend=(("missed_visit", "late_visit"), (1.0, 1.0, 1.1, 1.0, 1.3, 1.8, 3.0, 4.2)),
            duplicates=2,
            bad_dates=(("date_response_sent", "31/02/2024"), ("date_acknowledged", "29/02/2023")),
            notes="Missed and late visits rise sharply in Q3 and Q4 of 2024-25; text dates "
                  "dd/mm/yyyy.",
        ),
        Profile(
            id="kestrel-homecare", name="Kestrel Home Care Services", service_type="home care",
            theme_set="home care", service_users=240, complaints=(140, 150), compliments=(0, 0),
            locations=("Millthorpe", "Saltmarsh", "Redwater"),
            ref=_ref("KHC-{n:06d}", per_year=False), fmt="csv", dates="csv", targets=(5, 25),
            columns=_cols("""
                reference=Case Ref
                date_received=Date Received
                location=Office
                complainant_name=Complainant Name
                complainant_contact=Phone/Email
                type=Category
                summary=Complaint Summary
                date_acknowledged=Acknowledged
                investigator=Case Officer
                date_response_due=Response Due
                date_response_sent=Response Sent
                outcome=Outcome
                outcome_description=Outcome Details
                root_cause=Root Cause
                learning=Learning
                actions=Actions
                action_owner=Action Owner
                action_due=Action Due
                action_completed=Action Completed
                action_signed_off_by=Signed Off By
                complainant_told_of_improvement=Complainant Advised Of Improvement
                stage=Stage
                date_stage2=Stage 2 Received
                date_ombudsman=Referred to Ombudsman
                date_closed=Date Closed
                extra:weeks_open=Weeks open"""),
            theme_labels={"missed_visit": "Missed call", "late_visit": "Call times",
                          "staff_attitude": "Carer attitude", "medication": "Medication",
                          "communication": "Communication", "billing": "Charges",
                          "care_quality": "Care delivery", "staffing": "Carer continuity",
                          "safeguarding": "Safeguarding"},
            causes={"human_error": "Carer error", "behaviour": "Conduct", "resources": "Capacity",
                    "procedural": "Process", "service": "Unable to deliver",
                    "organisation": "Policy"},
            outcomes={"upheld": ("Upheld",), "partly_upheld": ("Part upheld", "Part Upheld"),
                      "not_upheld": ("Not upheld",)},
            stages={"1": "Stage 1", "2": "Stage 2", "commissioner": "Commissioner",
                    "ombudsman": "LGSCO"},
            channels=("Phone", "Email", "Letter", "Web"),
            ack_lam=4.0, p_no_ack=0.06, resp_median=45, resp_sigma=0.6, p_stuck=0.04,
            p_rca=0.6, p_learning=0.5, p_action=0.6, p_done=0.6, p_signed=0.4, p_told=0.3,
            p_escalate=0.2, p_no_investigator=0.1, duplicates=1,
            bad_dates=(("date_received", "31/04/2024"), ("date_closed", "14/13/2024")),
            odd_outcomes=("TBC", "Withdrawn"),
            notes="Slow: median response well over 20 working days and many past 12 weeks; "
                  "CSV saved as Windows-1252 with \u00a3 signs and curly quotes.",
        ),
        Profile(
            id="willow-housing", name="Willow Supported Housing Trust",
            service_type="supported housing", theme_set="supported housing", service_users=90,
            complaints=(55, 60), compliments=(12, 15),
            locations=("Willow Court", "Larch House", "Station Road flats"),
            ref=_ref("WT{yy}-{n:03d}"), sheet="Complaints",
            columns=_cols("""
                reference=Reference
                record_kind=Kind
                location=Scheme
                date_received=Date opened
                complainant_name=Name
                complainant_contact=Contact
                channel=Method
                type=Complaint about
                summary=Description
                date_acknowledged=Date of acknowledgement
                investigator=Investigator
                date_response_due=Due
                date_response_sent=Date responded
                outcome=Decision / outcome
                outcome_description=Findings
                learning=Lessons
                actions=Action
                action_owner=Owner of action
                action_due=Date action due
                action_completed=Action completion date
                action_signed_off_by=Signed off
                complainant_told_of_improvement=Complainant informed of improvement
                escalated=Escalated
                date_stage2=Stage 2 date
                date_closed=Closedate"""),
            theme_labels={"repairs": "Repairs", "asb": "ASB", "staff_attitude": "Staff",
                          "communication": "Communication", "billing": "Service charges",
                          "cleanliness": "Communal areas", "safeguarding": "Safeguarding",
                          "staffing": "Support hours"},
            causes=None,
            outcomes={"upheld": ("Upheld",), "partly_upheld": ("Partly Upheld", "Upheld in part"),
                      "not_upheld": ("Not Upheld",)},
            p_upheld=0.22, p_partly=0.22, resp_median=16, p_learning=0.6, p_action=0.65,
            notes="No root-cause analysis recorded at all: the register has no root cause column.",
        ),
        Profile(
            id="harbour-housing", name="Harbour Lights Housing Trust",
            service_type="supported housing", theme_set="supported housing", service_users=110,
            complaints=(70, 78), compliments=(10, 9),
            locations=("Harbour View", "Quayside Flats", "Anchor House"),
            ref=_ref("HL-{n:04d}", per_year=False), sheet="Register",
            title=("Harbour Lights Housing Trust", "Complaints & compliments register", ""),
            columns=_cols("""
                reference=Case number
                record_kind=Record type
                date_received=Date of complaint
                location=Service
                complainant_name=Complainant name
                complainant_contact=Complainant address
                channel=Source
                type=Issue type
                summary=Complaint summary
                date_acknowledged=Date ack
                investigator=Lead investigator
                date_response_due=Response due
                date_response_sent=Final response date
                outcome=Outcome
                outcome_description=Response summary
                root_cause=Primary cause
                learning=Lessons learned
                actions=Actions agreed
                action_owner=Action owner
                action_due=Action due
                action_completed=Completed
                action_signed_off_by=Signed off by
                complainant_told_of_improvement=Complainant told
                escalated=Escalated?
                escalation_details=Escalation details
                date_commissioner=Date referred to commissioner
                date_closed=Date completed"""),
            theme_labels={"repairs": "Repairs & maintenance", "asb": "Anti-social behaviour",
                          "staff_attitude": "Staff behaviour", "communication": "Communication",
                          "billing": "Rent & charges", "cleanliness": "Cleaning",
                          "safeguarding": "Safeguarding", "staffing": "Support"},
            causes={"human_error": "Human error", "behaviour": "Staff conduct",
                    "resources": "Lack of resources", "procedural": "Admin error",
                    "service": "Service failure", "organisation": "Organisational failure"},
            outcomes={"upheld": ("Upheld",), "partly_upheld": ("Partial", "Partly"),
                      "not_upheld": ("Not upheld",)},
            told=("Yes", "Not yet"),
            p_upheld=0.25, p_partly=0.22, resp_median=17, p_rca=0.75, p_learning=0.8,
            p_action=0.9, p_done=0.3, p_on_time=0.5, p_signed=0.0, p_told=0.4,
            notes="Improvement actions recorded for nearly every upheld complaint, but most are "
                  "overdue and none is signed off (the sign-off column is empty).",
        ),
        Profile(
            id="sunrise-day", name="Sunrise Day Opportunities CIC", service_type="day services",
            theme_set="day services", service_users=180, complaints=(42, 46),
            compliments=(60, 70),
            locations=("Sunrise Centre Millthorpe", "Sunrise Centre Redwater"),
            ref=_ref("SUN/{yy}/{n:03d}"), sheet="Complaints and compliments",
            targets=(3, 20), closures=("2023-12-27", "2023-12-28", "2024-12-27", "2024-12-30"),
            columns=_cols("""
                reference=Reference
                record_kind=Record type
                date_received=Date received
                location=Location
                complainant_name=Complainant name
                complainant_contact=Contact details
                channel=Channel
                type=Theme
                summary=Summary
                date_of_event=Date of event
                date_acknowledged=Date acknowledged
                investigator=Investigator
                date_response_due=Date response due
                date_response_sent=Date response sent
                outcome=Outcome
                outcome_description=Outcome description
                root_cause=Root cause
                learning=Learning
                actions=Improvement actions
                action_owner=Action owner
                action_due=Action due date
                action_completed=Action completed
                action_signed_off_by=Action signed off by
                complainant_told_of_improvement=Complainant advised of improvement
                stage=Stage
                escalated=Escalated
                date_stage2=Date stage 2
                date_closed=Date closed"""),
            theme_labels={"activities": "Activities", "transport": "Transport", "food": "Meals",
                          "staff_attitude": "Staff attitude", "communication": "Communication",
                          "lost_property": "Lost property", "care_quality": "Personal care"},
            causes=SEED_CAUSES,
            outcomes={"upheld": ("Upheld",), "partly_upheld": ("Partly upheld",),
                      "not_upheld": ("Not upheld",)},
            p_upheld=0.2, p_partly=0.18, p_no_outcome=0.0, ack_lam=0.15, p_no_ack=0.0,
            resp_median=8, resp_sigma=0.3, p_rca=1.0, p_learning=1.0, p_action=1.0, p_done=1.0,
            p_on_time=0.95, p_signed=1.0, p_told=1.0, p_escalate=0.03, p_no_investigator=0.0,
            p_blank=0.0, p_late_complaint=0.0,
            notes="Exemplary: fast acknowledgements and responses, root cause for every upheld "
                  "complaint, actions completed, signed off and complainants told. Headers match "
                  "the schema's synonyms, so the mapping needs no columns.",
        ),
        Profile(
            id="elmfield-living", name="Elmfield Supported Living",
            service_type="supported living (learning disability)", theme_set="supported living",
            service_users=60, complaints=(38, 44), compliments=(20, 22),
            locations=("12 Elm Close", "Elmfield Bungalows", "The Orchard"),
            ref=_ref("ELM-{fy}-{n:02d}"), sheet="Log", dates="iso",
            columns=_cols("""
                reference=ID
                record_kind=Feedback type
                location=House
                date_received=Date
                complainant_name=Person raising concern
                complainant_contact=Contact
                type=Subject
                summary=What was the concern
                date_acknowledged=Date acknowledged
                investigator=Staff member investigating
                date_response_due=Reply due
                date_response_sent=Reply sent
                outcome=Upheld?
                outcome_description=What we did
                root_cause=Why it happened
                learning=What we learned
                actions=What we will change
                action_owner=Who
                action_due=By when
                action_completed=Done
                action_signed_off_by=Checked by
                complainant_told_of_improvement=Told person
                escalated=Escalated
                date_closed=Closed"""),
            theme_labels={"staffing": "Staffing", "communication": "Communication",
                          "activities": "Activities", "care_quality": "Support",
                          "medication": "Medication", "staff_attitude": "Staff",
                          "lost_property": "Belongings", "safeguarding": "Safeguarding",
                          "billing": "Money"},
            causes={"human_error": "Someone made a mistake", "behaviour": "Staff behaviour",
                    "resources": "Not enough staff", "procedural": "Paperwork",
                    "service": "We could not provide it", "organisation": "Leadership"},
            outcomes={"upheld": ("Yes",), "partly_upheld": ("Partly",), "not_upheld": ("No",)},
            kinds=("Concern", "Compliment"),
            p_upheld=0.22, p_partly=0.2, resp_median=13, p_rca=0.85, p_learning=0.9,
            p_action=0.85, p_done=0.85, p_signed=0.7, p_told=0.8, p_escalate=0.05,
            bad_dates=(("date_response_sent", "2024-02-30"),),
            notes="Plain-English headers; ISO text dates; outcome recorded as Yes/Partly/No; "
                  "complaints logged as 'Concern'.",
        ),
        Profile(
            id="hartwell-housing", name="Hartwell Housing Association",
            service_type="housing association", theme_set="housing association",
            service_users=6500, complaints=(2520, 2760), compliments=(180, 200),
            locations=("Kingsmere North", "Kingsmere South", "Brackenford North",
                       "Brackenford South", "Hollowbridge", "Millthorpe", "Saltmarsh",
                       "Ashfield Cross", "Redwater", "Eastwick Vale"),
            ref=_ref("HHA-{c}-{n:05d}", per_year=False), sheet="Data",
            after_sheets=("Lookups",),
            columns=_cols("""
                reference=Complaint Reference
                record_kind=Complaint or compliment
                date_received=Date Logged
                extra:month=Month
                location=Area
                complainant_name=Customer Name
                complainant_contact=Email
                channel=Contact Method
                type=Category (L1)
                summary=Narrative
                date_acknowledged=Ack Date
                investigator=Officer
                date_response_due=Target Date
                date_response_sent=Stage 1 Response
                outcome=Decision
                outcome_description=Resolution
                root_cause=RCA
                learning=Lessons
                actions=Action Taken
                action_owner=Action Owner
                action_due=Action Target Date
                action_completed=Action Completed
                action_signed_off_by=Signed Off By
                complainant_told_of_improvement=Customer told of improvement (Y/N)
                stage=Current Stage
                date_stage2=Stage 2 Received
                date_ombudsman=Referred to Ombudsman
                date_closed=Close Date"""),
            theme_labels={"repairs": "Repairs", "asb": "ASB", "communication": "Communication",
                          "billing": "Rent/service charge", "staff_attitude": "Staff conduct",
                          "cleanliness": "Estate services", "safeguarding": "Safeguarding",
                          "staffing": "Housing officer"},
            causes={"human_error": "RC1 Human error", "behaviour": "RC2 Staff behaviour",
                    "resources": "RC3 Resources", "procedural": "RC4 Process",
                    "service": "RC5 Service delivery", "organisation": "RC6 Organisational"},
            outcomes={"upheld": ("Upheld",), "partly_upheld": ("Partially Upheld",
                                                               "Upheld in Part"),
                      "not_upheld": ("Not Upheld",)},
            stages={"1": "Stage 1", "2": "Stage 2", "commissioner": "Council",
                    "ombudsman": "Housing Ombudsman"},
            channels=("Phone", "Email", "Web form", "Letter", "Social media", "In person"),
            p_upheld=0.18, p_partly=0.2, resp_median=18, resp_sigma=0.5, p_rca=0.65,
            p_learning=0.6, p_action=0.7, p_done=0.82, p_signed=0.55, p_told=0.45,
            p_escalate=0.09, duplicates=4,
            bad_dates=(("date_received", "future"), ("date_closed", "before"),
                       ("date_acknowledged", "before")),
            notes="Large: about 5,000 complaints over two years across ten areas; register on "
                  "the 'Data' sheet with a 'Lookups' sheet after it.",
        ),
    ]


# ----------------------------------------------------------------------------- generation
def _stable(text: str) -> int:
    """A process-independent integer for a string (Python's hash() is salted per process)."""
    return int.from_bytes(text.encode("utf-8")[:16].ljust(16, b"\0"), "big") % (2**63)


class _Calendar:
    """Working days (weekends, bank holidays and the provider's closures) via numpy."""

    def __init__(self, closures: tuple[str, ...]):
        self.holidays = np.array([*BANK_HOLIDAYS, *closures], dtype="datetime64[D]")

    def add(self, start: date, days: int) -> date:
        d = np.busday_offset(np.datetime64(start, "D"), int(days), roll="backward",
                             holidays=self.holidays)
        return d.astype("datetime64[D]").item()

    def between(self, start: date, end: date) -> int:
        return int(np.busday_count(np.datetime64(start, "D") + 1, np.datetime64(end, "D") + 1,
                                   holidays=self.holidays))


class _Gen:
    """One provider's records, drawn from its own seeded numpy Generator."""

    def __init__(self, profile: Profile, seed: int):
        self.p = profile
        self.rng = np.random.default_rng([seed, _stable(profile.id)])
        self.cal = _Calendar(profile.closures)
        people = [self._person() for _ in range(14)]
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
            r["reference"] = p.ref(counters[key], received, comp)
        self._mess(recs)
        return recs

    def _ref_key(self, received: date, compliment: bool) -> tuple:
        probe_a = self.p.ref(1, date(2023, 5, 1), False)
        probe_b = self.p.ref(1, date(2024, 5, 1), False)
        probe_c = self.p.ref(1, date(2023, 5, 1), True)
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


# ----------------------------------------------------------------------------- rendering
DATE_FIELDS = {"date_received", "date_acknowledged", "date_response_due", "date_response_sent",
               "date_stage2", "date_commissioner", "date_ombudsman", "action_due",
               "action_completed", "date_of_event", "date_closed"}


class _Renderer:
    """Turns canonical records into the provider's own cells (text, dates, spellings)."""

    def __init__(self, profile: Profile, rng: np.random.Generator):
        self.p, self.rng = profile, rng

    def weighted(self, options: tuple[str, ...]) -> str:
        if len(options) == 1:
            return options[0]
        w = np.array([4.0] + [1.0] * (len(options) - 1))
        return options[int(self.rng.choice(len(options), p=w / w.sum()))]

    def date(self, d: date) -> Any:
        style = self.p.dates
        if style == "excel":
            return d
        if style == "dmy":
            return f"{d:%d/%m/%Y}"
        if style == "iso":
            return f"{d:%Y-%m-%d}"
        u = self.rng.random()
        if style == "mixed":
            if u < 0.8:
                return d
            return f"{d:%d/%m/%y}" if u < 0.9 else f"{d.day}.{d.month}.{d:%y}"
        # csv: mostly dd/mm/yyyy, some typed short
        return f"{d:%d/%m/%Y}" if u < 0.88 else f"{d.day}.{d.month}.{d:%y}"

    def cell(self, r: dict[str, Any], key: str) -> Any:
        p = self.p
        if key in r.get("_raw", {}):
            return r["_raw"][key]
        if r.get("_blank_" + key):
            return None
        if key.startswith("extra:"):
            return self.extra(r, key[6:])
        if key == "record_kind":
            return p.kinds[0] if r["record_kind"] == "complaint" else p.kinds[1]
        value = r.get(key)
        if value is None:
            return None
        if key in DATE_FIELDS:
            return self.date(value)
        if key == "outcome":
            return self.weighted(p.outcomes[value])
        if key == "stage" or (key == "escalated" and p.escalated_as_stage):
            return p.stages[r["stage"]]
        if key in ("escalated", "complainant_told_of_improvement"):
            spell = p.told if key != "escalated" and p.told else p.booleans
            return spell[0] if value else spell[1]
        return value

    def extra(self, r: dict[str, Any], name: str) -> Any:
        d = r["date_received"]
        if name == "quarter":
            fy = d.year if d.month >= 4 else d.year - 1
            return f"Q{(d.month - 4) % 12 // 3 + 1} {fy}-{(fy + 1) % 100:02d}"
        if name == "month":
            return d.strftime("%b-%y")
        if name == "weeks_open":
            end = r.get("date_closed") or END
            return str(max(0, (end - d).days // 7))
        if name == "notes":
            return self.pick_note(r)
        raise KeyError(name)

    def pick_note(self, r: dict[str, Any]) -> str | None:
        u = self.rng.random()
        if u < 0.85:
            return None
        return ["Family meeting held.", "See email trail in shared drive.",
                "CQC notified.", "Chased twice."][int(self.rng.integers(4))]

    def rows(self, recs: list[dict[str, Any]]) -> list[list[Any]]:
        keys = [k for k, _ in self.p.columns]
        out = []
        for r in recs:
            row = []
            for k in keys:
                if k == "record_kind" or k.startswith("extra:"):
                    row.append(self.cell(r, k))
                elif r["record_kind"] == "compliment" and k not in (
                        "reference", "date_received", "location", "complainant_name",
                        "complainant_contact", "channel", "summary", "type"):
                    row.append(None)
                elif k == "type" and r["record_kind"] == "compliment":
                    row.append("Compliment")
                else:
                    row.append(self.cell(r, k))
            out.append(row)
        return out


def _xlsx(profile: Profile, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook  # here, not at import: the CLI loads this module at start-up
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    first = wb.active
    sheets = [*profile.extra_sheets, profile.sheet, *profile.after_sheets]
    first.title = sheets[0]
    for name in sheets[1:]:
        wb.create_sheet(name)
    for name in profile.extra_sheets:
        ws = wb[name]
        ws["A1"] = f"{profile.name}: complaints and compliments log"
        ws["A3"] = "Log every complaint on the next sheet the day it is received."
        ws["A4"] = "Outcome: Upheld / Partially upheld / Not upheld. Dates as dd/mm/yyyy."
    for name in profile.after_sheets:
        ws = wb[name]
        ws.append(["Areas", "Categories", "Decisions"])
        labels = list(dict.fromkeys(profile.theme_labels.values()))
        outcomes = [v[0] for v in profile.outcomes.values()]
        for i in range(max(len(profile.locations), len(labels))):
            ws.append([profile.locations[i] if i < len(profile.locations) else None,
                       labels[i] if i < len(labels) else None,
                       outcomes[i] if i < len(outcomes) else None])
    ws = wb[profile.sheet]
    headers = [h for _, h in profile.columns]
    for i, text in enumerate(profile.title, start=1):
        if text:
            ws.cell(row=i, column=1, value=text).font = Font(bold=True, size=14 if i == 1 else 11)
    if profile.merge_title and profile.title:
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(headers))
        ws.cell(row=1, column=1).alignment = Alignment(horizontal="center")
    header_row = len(profile.title) + 1
    for j, h in enumerate(headers, start=1):
        ws.cell(row=header_row, column=j, value=h).font = Font(bold=True)
    for i, row in enumerate(rows, start=header_row + 1):
        for j, value in enumerate(row, start=1):
            if value is None:
                continue
            c = ws.cell(row=i, column=j, value=value)
            if isinstance(value, date):
                c.number_format = "dd/mm/yyyy"
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    wb.properties.creator = profile.name
    wb.properties.created = FIXED_TIMESTAMP
    buf = io.BytesIO()
    wb.save(buf)
    return _fix_zip(buf.getvalue())


def _fix_zip(data: bytes) -> bytes:
    """Rewrite an .xlsx with fixed entry timestamps and core-properties dates (reproducible)."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                              lambda m: m.group(1) + stamp + m.group(3), text)
                body = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.external_attr = 0o600 << 16
            dst.writestr(zi, body)
    return out.getvalue()


def _csv(profile: Profile, rows: list[list[Any]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([h for _, h in profile.columns])
    for row in rows:
        w.writerow(["" if v is None else v for v in row])
    return buf.getvalue().encode("cp1252")


# ----------------------------------------------------------------------------- mapping + manifest
def mapping_for(profile: Profile) -> dict[str, Any]:
    """The provider's mapping: sheet, header row, date order, columns and value spellings."""
    schema = load_schema()
    index = schema.synonym_index
    m: dict[str, Any] = {}
    if profile.fmt == "xlsx":
        m["sheet"] = profile.sheet
    if profile.title:
        m["header_row"] = len(profile.title) + 1
    m["dates"] = "iso" if profile.dates == "iso" else "dayfirst"
    columns = {k: h for k, h in profile.columns
               if not k.startswith("extra:") and index.get(normalise(h)) != k}
    if columns:
        m["columns"] = columns
    values: dict[str, dict[str, Any]] = {}
    out_index = schema.value_index("outcome")
    for code, spellings in profile.outcomes.items():
        for s in spellings:
            if out_index.get(normalise(s)) != code:
                values.setdefault("outcome", {})[s] = code
    fields = {k for k, _ in profile.columns}
    if "record_kind" in fields:
        kind_index = schema.value_index("record_kind")
        for code, s in zip(("complaint", "compliment"), profile.kinds, strict=True):
            if kind_index.get(normalise(s)) != code:
                values.setdefault("record_kind", {})[s] = code
    if "stage" in fields:
        stage_index = schema.value_index("stage")
        for code, s in profile.stages.items():
            if stage_index.get(normalise(str(s))) != code:
                values.setdefault("stage", {})[str(s)] = code
    bool_index = schema.boolean_index
    for f in ("escalated", "complainant_told_of_improvement"):
        if f not in fields:
            continue
        own = profile.told if f != "escalated" and profile.told else profile.booleans
        spell: dict[bool, str | None] = dict(zip((True, False), own, strict=True))
        if f == "escalated" and profile.escalated_as_stage:
            spell = {True: None, False: None}
            for code, s in profile.stages.items():
                if bool_index.get(normalise(str(s))) != (code != "1"):
                    values.setdefault(f, {})[str(s)] = code != "1"
        for flag, s in spell.items():
            if s is not None and bool_index.get(normalise(s)) != flag:
                values.setdefault(f, {})[s] = flag
    if values:
        m["values"] = values
    return m


def _mapping_yaml(profile: Profile) -> str:
    head = (f"# Mapping for {profile.name} ({profile.id}): how its register's headers and\n"
            "# spellings map onto the canonical schema. Generated by `workbench sample-data`.\n")
    return head + yaml.safe_dump(mapping_for(profile), sort_keys=False, allow_unicode=True,
                                 width=100)


def _register_name(profile: Profile) -> str:
    return f"{profile.id}.{profile.fmt}"


def manifest_yaml(items: list[Profile]) -> str:
    """The providers.yaml text for these profiles."""
    lines = [
        f"# Providers commissioned by {COMMISSIONER} (fictional sample data).",
        "# Generated by `workbench sample-data`; paths are relative to this file.",
        f"commissioner: {COMMISSIONER}",
        f'period: "{PERIOD}"',
        "providers:",
    ]
    for p in items:
        lines += [
            f"  - id: {p.id}",
            f"    name: {p.name}",
            f"    service_type: {p.service_type}",
            f"    register: registers/{_register_name(p)}",
            f"    mapping: mappings/{p.id}.yaml",
            f"    service_users: {p.service_users}",
            f"    targets: {{acknowledge_days: {p.targets[0]}, respond_days: {p.targets[1]}}}",
            "    holidays: england-wales",
            f"    closures: [{', '.join(p.closures)}]",
        ]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- API
def provider_records(profile: Profile, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """The canonical records behind one provider's register (before its own spellings)."""
    return _Gen(profile, seed).records()


def build(seed: int = DEFAULT_SEED) -> dict[str, bytes]:
    """Every generated file, as {path relative to the sample-data folder: content}."""
    files: dict[str, bytes] = {}
    items = profiles()
    for p in items:
        gen = _Gen(p, seed)
        recs = gen.records()
        rows = _Renderer(p, gen.rng).rows(recs)
        data = _xlsx(p, rows) if p.fmt == "xlsx" else _csv(p, rows)
        files[f"registers/{_register_name(p)}"] = data
        files[f"mappings/{p.id}.yaml"] = _mapping_yaml(p).encode("utf-8")
    files["providers.yaml"] = manifest_yaml(items).encode("utf-8")
    return files


def generate(out: str | Path, seed: int = DEFAULT_SEED) -> list[Path]:
    """Write the registers, mappings and manifest under ``out``; each file is replaced atomically.

    Everything is built in memory first, so a failure writes nothing. Other files in ``out``
    (README.md, other mappings) are left alone.
    """
    out = Path(out)
    files = build(seed)
    written = []
    for rel, data in files.items():
        target = out / rel
        if rel.endswith(".yaml"):
            written.append(write_text(target, data.decode("utf-8")))
        else:
            written.append(write_bytes(target, data))
    return written
