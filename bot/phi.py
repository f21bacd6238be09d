"""The patient-information guard for free text: refuse what looks like PHI, and say why.

Measures are aggregate counts, so free text (narratives, PDSA notes, feedback, peer posts) must
never carry patient identifiers. This is a **safety net, not de-identification**: it catches the
common slips (record numbers, dates of birth, ages over 89, phone numbers, e-mail addresses,
SSNs, street addresses, "Mrs. Jones", "patient Maria") and lets ordinary QI text through
("1234567 patients", "84% of 1200000"). Names on their own, and anything written more cleverly,
get past it; people must still not type patient details.

Text is normalised first (Unicode NFKC, so full-width digits are digits; zero-width and other
format characters removed), so ``5\u200b5\u200b5-123-4567`` is a phone number too.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from bot.format import DENOMINATOR_NOUNS

_SSN = re.compile(r"(?<![\d-])\d{3}[- ]\d{2}[- ]\d{4}(?![\d-])")
# (555) 123-4567, 555-123-4567, 555.123.4567, 555 123 4567, +1 555 123 4567, 1-800-555-1234,
# +44 20 7946 0958
_PHONE = re.compile(
    r"(?<![\w.+-])(?:"
    r"(?:\+?1[\s.-]?)?(?:\(\d{3}\)\s?|\d{3}[\s.-])\d{3}[\s.-]\d{4}"
    r"|\+\d{1,3}(?:[\s.-]\d{2,4}){2,4}"
    r")(?![\w-])"
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
#: Words that say what a long number counts: "1234567 patients" is a count, not a record number.
_COUNTED = "|".join(
    (
        *DENOMINATOR_NOUNS,
        "patient",
        "visit",
        "encounter",
        "people",
        "screenings",
        "tests",
        "doses",
        "calls",
        "records",
        "charts",
        "cases",
        "per",
        "in",
        "total",
        "of",
    )
)
_MRN = re.compile(
    r"(?<![\d.,%])(?<!\bof )(?<!\bout of )(?<!/)"  # "84% of 1200000", "12/1500000" are counts
    r"\d{6,}"
    rf"(?![\d.,]*%)(?![\d.,]*\s+(?:{_COUNTED})\b)(?!/)",
    re.IGNORECASE,
)
_MRN_LABEL = re.compile(
    r"\b(?:MRN|medical record(?: number| no\.?)?|chart (?:number|no\.?|#)|record #)\s*[:#]?\s*\w*\d", re.I
)
_DOB_LABEL = re.compile(r"\b(?:DOB|D\.O\.B\.?|date of birth|born on|birth ?date)\b", re.I)
_DATE_NUMERIC = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\b")
_DATE_ISO = re.compile(r"\b(19\d{2}|20\d{2})-(\d{1,2})-(\d{1,2})\b")
# 92 years old, 92-year-old, 92 yo, 92 y/o, 92yo, aged 92, age: 92, 92 y.o.
_AGE = re.compile(
    r"\b(?:aged?\s*:?\s*(\d{2,3})\b"
    r"|(\d{2,3})\s*(?:-?\s*years?[\s-]*old|-?\s*y\.?\s*/?\s*o\b\.?|yrs?\.?\s+old))",
    re.IGNORECASE,
)
_STREET_TYPES = (
    r"st|street|ave|avenue|rd|road|blvd|boulevard|dr|drive|ln|lane|ct|court|way|pl|place|"
    r"ter|terrace|pkwy|parkway|hwy|highway|cir|circle|sq|square|apt|suite"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,6}}\s+(?:[NSEW]\.?\s+)?(?:[A-Z][\w'-]*\s+){{1,4}}(?i:{_STREET_TYPES})\b\.?",
)
_PO_BOX = re.compile(r"\bP\.?\s?O\.?\s+Box\s+\d+", re.IGNORECASE)
_HONORIFIC = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx)\.?\s+[A-Z][a-zA-Z'-]+")
#: Capitalised words that follow "patient" in ordinary QI text (not a name).
_NOT_NAMES = frozenset(
    """advisory care centered centred education engagement experience family financial flow
    health list navigator navigators outreach panel portal registry safety satisfaction services
    voice i we they the a an and or""".split()
)
_PATIENT_NAME = re.compile(r"\b(?:[Pp]atient|[Pp]t\.?)\s+(?:named\s+|called\s+)?([A-Z][a-zA-Z'-]+)")

REASONS = {
    "ssn": "a Social Security number",
    "phone": "a phone number",
    "email": "an e-mail address",
    "mrn": "a medical record number (a long run of digits)",
    "dob": "a date of birth",
    "age": "an age over 89",
    "address": "a street address",
    "name": "a patient's name",
}

#: What the forms say next to free text (the guard is a net, not a promise).
SAFETY_NET_NOTE = (
    "Never type patient names, record numbers, dates of birth, ages over 89 or contact details here. "
    "The bot checks for the common slips, but that check is only a safety net."
)


def normalise(text: str) -> str:
    """NFKC, then without zero-width and other format characters (category Cf)."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in folded if unicodedata.category(ch) != "Cf")


def _birth_like_year(year: int, today: date) -> bool:
    """Dates of birth are decades old; recent dates (visits, cycle dates) are fine."""
    return year < today.year - 2


def _looks_like_dob(text: str, today: date) -> bool:
    if _DOB_LABEL.search(text):
        return True
    for match in _DATE_NUMERIC.finditer(text):
        year = int(match.group(3))
        year = year + (1900 if year > 30 else 2000) if year < 100 else year
        if _birth_like_year(year, today):
            return True
    return any(_birth_like_year(int(m.group(1)), today) for m in _DATE_ISO.finditer(text))


def _old_age(text: str) -> bool:
    """HIPAA's Safe Harbor names ages over 89 as identifiers."""
    for match in _AGE.finditer(text):
        age = int(match.group(1) or match.group(2))
        if 89 < age < 130:
            return True
    return False


def _patient_named(text: str) -> bool:
    return any(m.group(1).lower() not in _NOT_NAMES for m in _PATIENT_NAME.finditer(text))


def find_phi(text: str | None, today: date) -> list[str]:
    """The kinds of patient information ``text`` seems to contain (empty when it looks clean).

    ``today`` tells old dates (possible dates of birth) from recent ones.
    """
    if not text:
        return []
    text = normalise(text)
    found: list[str] = []
    if _SSN.search(text):
        found.append("ssn")
    if _EMAIL.search(text):
        found.append("email")
    if _PHONE.search(text):
        found.append("phone")
    if "ssn" not in found and "phone" not in found and (_MRN.search(text) or _MRN_LABEL.search(text)):
        found.append("mrn")
    if _looks_like_dob(text, today):
        found.append("dob")
    if _old_age(text):
        found.append("age")
    if _ADDRESS.search(text) or _PO_BOX.search(text):
        found.append("address")
    if _HONORIFIC.search(text) or _patient_named(text):
        found.append("name")
    return found


def phi_error(text: str | None, today: date) -> str | None:
    """A field error a clinic nurse understands, or None when the text looks clean."""
    kinds = find_phi(text, today)
    if not kinds:
        return None
    what = " and ".join(REASONS[k] for k in kinds)
    return (
        f"This looks like patient information ({what}). Please remove it: never put patient names, "
        "record numbers, dates of birth or contact details in the bot. Totals and percentages are fine."
    )
