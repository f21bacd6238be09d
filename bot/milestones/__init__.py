"""Milestones, not leaderboards: a team's firsts celebrated in its channel (and with peers)."""
