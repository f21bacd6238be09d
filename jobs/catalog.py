"""Imports every job module so each registers itself in ``jobs.registry.JOBS``."""

import jobs.weekly_digest  # noqa: E402, F401
