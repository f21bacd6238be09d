"""Interim-call prep: the agenda draft faculty get two days before each interim call."""
