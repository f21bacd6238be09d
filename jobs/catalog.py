"""Imports every job module so each registers itself in ``jobs.registry.JOBS``."""

import jobs.call_reminders  # noqa: F401
import jobs.feedback_requests  # noqa: F401
import jobs.peer_prompts  # noqa: F401
import jobs.report_reminders  # noqa: F401
