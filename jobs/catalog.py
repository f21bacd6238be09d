"""Imports every job module so each registers itself in ``jobs.registry.JOBS``."""
