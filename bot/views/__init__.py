"""Block Kit builders. Handlers and jobs never write Block Kit dicts themselves."""
