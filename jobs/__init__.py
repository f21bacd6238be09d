"""Scheduled work. Jobs decide *when*; the domain services in ``bot/`` decide *what*."""
