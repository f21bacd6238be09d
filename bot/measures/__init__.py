"""Monthly measures: reporting rules, the report service and its views, report reminders,
team status and the team chart."""
