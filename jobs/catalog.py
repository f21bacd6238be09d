"""Imports every job module so each registers itself in ``jobs.registry.JOBS``."""

from jobs import peer_prompts  # noqa: F401
