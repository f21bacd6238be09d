"""Buddy teams: each month, a team whose run chart shows improvement meets a team that is flat."""
