"""Slack plumbing: the Bolt app factory, the WSGI server, the Web API client, the ledger's sender,
the manifest and shared Block Kit pieces."""
