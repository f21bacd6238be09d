"""The Home tab and /collab help."""
