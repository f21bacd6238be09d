"""The patient-information guard."""

from __future__ import annotations

from datetime import date

import pytest

from bot.phi import find_phi, phi_error

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
