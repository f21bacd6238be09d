"""Interim calls and learning sessions: reminders, RSVPs, feedback requests and their views."""
