"""The collaborative file (schema and validation), loading it, and the demo with its data."""
