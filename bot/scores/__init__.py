"""IHI assessment scores: faculty score each team monthly, beside the team's own self-score."""
