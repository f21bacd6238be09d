"""The patient-information guard for free text: refuse what looks like PHI, and say why.

Measures are aggregate counts, so free text (narratives, PDSA notes, feedback) must never carry
patient identifiers. This is a heuristic net, not a de-identification tool: it catches the common
slips (record numbers, dates of birth, phone numbers, e-mail addresses, SSNs).
"""

from __future__ import annotations

import re
from datetime import date

_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
_PHONE = re.compile(r"(?<!\d)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?!\d)")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_MRN = re.compile(r"(?<![\d.,])\d{6,}(?![\d.,]*%)")
_MRN_LABEL = re.compile(
    r"\b(?:MRN|medical record(?: number| no\.?)?|chart (?:number|no\.?|#))\s*[:#]?\s*\w*\d", re.I
)
_DOB_LABEL = re.compile(r"\b(?:DOB|D\.O\.B\.?|date of birth|born on|birth ?date)\b", re.I)
_DATE_NUMERIC = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})\b")
_DATE_ISO = re.compile(r"\b(19\d{2}|20\d{2})-(\d{1,2})-(\d{1,2})\b")

REASONS = {
    "ssn": "a Social Security number",
    "phone": "a phone number",
    "email": "an e-mail address",
    "mrn": "a medical record number (a long run of digits)",
    "dob": "a date of birth",
}


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


def find_phi(text: str | None, today: date) -> list[str]:
    """The kinds of patient information ``text`` seems to contain (empty when it looks clean).

    ``today`` tells old dates (possible dates of birth) from recent ones.
    """
    if not text:
        return []
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
