"""Plain answers every feature's service can give besides its own results: a refusal, or field errors.

Services return these (never Block Kit); handlers turn a :class:`Refusal` into a notice and
:class:`Invalid` into errors under the modal's fields.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Refusal:
    """Why this person can't do this (or why it can't be done now); nothing was stored."""

    text: str


@dataclass(frozen=True)
class Invalid:
    """Field errors, keyed by the form's field names; nothing was stored."""

    errors: dict[str, str]
