"""PDSA cycles: rules, the /pdsa service, channel cards, weekly nudges and views."""
