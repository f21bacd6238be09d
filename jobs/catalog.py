"""Imports every job module so each registers itself in ``jobs.registry.JOBS``."""

from jobs import pdsa_nudges, weekly_digest  # noqa: F401
