"""History import: teams' monthly values from their EHR (CSV or Excel), baselines before ``start`` included.

- :mod:`bot.history.rules`: what a good row is and every problem with its line number (pure).
- :mod:`bot.history.files`: reading ``.csv`` and ``.xlsx`` files into rows.
- :mod:`bot.history.service`: check the whole file, then store it in one transaction.
- :mod:`bot.history.command`: ``collab-bot import --collaborative KEY FILE``.
"""
