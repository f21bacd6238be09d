"""Imports every job module so each registers itself in ``jobs.registry.JOBS``."""

from jobs import (  # noqa: F401
    buddy_teams,
    call_prep,
    call_reminders,
    delivery_retries,
    feedback_requests,
    feedback_summary,
    housekeeping,
    pdsa_nudges,
    peer_asks,
    peer_prompts,
    report_reminders,
    weekly_digest,
)
