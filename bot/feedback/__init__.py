"""Participant feedback on learning sessions and interim calls: the form, the answers and the summary."""
