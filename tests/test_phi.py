"""The patient-information guard."""

from __future__ import annotations

from datetime import date

import pytest

from bot.phi import find_phi, normalise, phi_error

TODAY = date(2026, 11, 28)


@pytest.mark.parametrize(
    "text,kind",
    [
        ("MRN 12345678 came back", "mrn"),
        ("pt chart # A12345", "mrn"),
        ("call her at (555) 123-4567", "phone"),
        ("email jane.doe@example.org", "email"),
        ("DOB 01/02/1960", "dob"),
        ("born 1958-07-04", "dob"),
        ("SSN 123-45-6789", "ssn"),
    ],
)
def test_patient_information_is_caught(text: str, kind: str) -> None:
    assert kind in find_phi(text, TODAY)
    assert "patient information" in (phi_error(text, TODAY) or "")


@pytest.mark.parametrize(
    "text",
    [
        "BP control went from 58% to 63% in 120 patients",
        "Huddle started 3/10/2026; 1,234 patients in the denominator",
        "We called 45 patients and 12 came back",
        "",
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert find_phi(text, TODAY) == []
    assert phi_error(text, TODAY) is None


# -- the full table: what the net catches, and the ordinary QI text it lets through ----------------

CAUGHT = [
    # record numbers
    ("MRN: 00123456", "mrn"),
    ("Record # 4451234 was wrong", "mrn"),
    ("Follow up 7654321 on Tuesday", "mrn"),
    # phone numbers, in the common formats
    ("call 555-123-4567", "phone"),
    ("call 555.123.4567", "phone"),
    ("call 555 123 4567", "phone"),
    ("call +1 555 123 4567", "phone"),
    ("call 1-800-555-1234", "phone"),
    ("ring +44 20 7946 0958", "phone"),
    ("call (555)123-4567", "phone"),
    # ages over 89 (HIPAA Safe Harbor)
    ("a 92 year old on lisinopril", "age"),
    ("92-year-old with HTN", "age"),
    ("pt is 95 yo", "age"),
    ("woman, 91 y/o", "age"),
    ("aged 93, lives alone", "age"),
    ("Age: 104", "age"),
    # street addresses
    ("lives at 123 Main St", "address"),
    ("moved to 42 Oak Avenue last week", "address"),
    ("1600 Pennsylvania Ave NW", "address"),
    ("P.O. Box 1234", "address"),
    # names
    ("Mrs. Jones missed her visit", "name"),
    ("Mr Smith came back", "name"),
    ("Ms. O'Neil was re-checked", "name"),
    ("patient Maria had a high reading", "name"),
    ("Pt. Garcia refused the cuff", "name"),
    ("the patient named Lopez", "name"),
    # dates of birth, SSNs, e-mail
    ("DOB 3/4/1950", "dob"),
    ("SSN 123 45 6789", "ssn"),
    ("write to j.doe@clinic.example", "email"),
    # disguised with zero-width, format or full-width characters
    ("call 5\u200b5\u200b5-123-4567", "phone"),
    ("MRN\u2060 1234\u200d5678", "mrn"),
    ("call ５５５-１２３-４５６７", "phone"),
    ("Mrs.\u00a0Jones", "name"),
]

NOT_CAUGHT = [
    "1234567 patients in the registry",
    "84% of 1200000",
    "12/1500000 had a repeat",
    "BP control went from 58% to 63% in 120 patients",
    "Our panel is 1,234,567 visits a year",
    "Dr. Lee reviews the tally on Tuesday",
    "Two MAs, Pod B, Tuesday morning clinic",
    "Patient Portal sign-ups doubled",
    "patient experience scores rose",
    "Patients over 65 were 40% of the panel",
    "We saw 90 patients in 30 days",
    "Aim: 70% by June; 3 PDSA cycles so far",
    "Started 3/10/2026; 9 of 20 repeats were under 140/90",
    "Huddle at 8:30 in room 12",
    "patient A and patient B both improved",
    "",
]


@pytest.mark.parametrize(("text", "kind"), CAUGHT)
def test_the_net_catches(text: str, kind: str) -> None:
    assert kind in find_phi(text, TODAY), (text, find_phi(text, TODAY))


@pytest.mark.parametrize("text", NOT_CAUGHT)
def test_the_net_lets_ordinary_qi_text_through(text: str) -> None:
    assert find_phi(text, TODAY) == [], (text, find_phi(text, TODAY))


def test_text_is_normalised_before_checking() -> None:
    assert normalise("5\u200b5\u200b5\u00ad-1\u2060234") == "555-1234"
    assert normalise("１２３ＡＢＣ") == "123ABC"
