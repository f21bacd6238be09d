"""Imports every job module so each registers itself in ``jobs.registry.JOBS``."""

from jobs import pdsa_nudges  # noqa: F401
