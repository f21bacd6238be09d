"""The ``signals`` table: every run-chart verdict, computed by the digest's own code.

For each active collaborative the digest is built as of the export's moment (``--as-of`` or the
clock, in the collaborative's timezone; the reporting period is the last complete month), and its
:attr:`bot.digest.rules.Digest.signals` become rows: one per measure for the collaborative (team
empty) and one per team and measure. Same code as the digest, so the two never disagree.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd

from bot.digest.rules import build_digest
from bot.export.registry import ExportData
from storage.collaboratives import active_collaboratives
from storage.db import Database
from storage.digest_queries import load_digest_data

COLUMNS = [
    "collaborative",
    "team",
    "measure",
    "period",
    "points",
    "baseline_months",
    "center",
    "signal",
    "rule",
    "since",
]


def signal_frame(db: Database, now: datetime, as_of: str | None = None) -> pd.DataFrame:
    """The signals of every active collaborative, as its digest judged them (see the module)."""
    moment = ExportData({}, now, as_of)
    rows: list[dict[str, object]] = []
    with db.reader() as session:
        collaboratives = [(c.id, c.key, c.timezone) for c in active_collaboratives(session)]
        inputs = []
        for collab_id, key, timezone in collaboratives:
            at = moment.moment_in(timezone)
            inputs.append((key, at, load_digest_data(session, collab_id, at)))
    for key, at, data in inputs:
        digest = build_digest(data, at)
        rows.extend(
            {
                "collaborative": key,
                "team": signal.team,
                "measure": signal.measure,
                "period": str(digest.period),
                "points": signal.points,
                "baseline_months": signal.baseline_months,
                "center": signal.center,
                "signal": signal.signal,
                "rule": signal.rule,
                "since": signal.since,
            }
            for signal in digest.signals
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def signals(data: ExportData) -> pd.DataFrame:
    """The ``signals`` rows (none when the export was made from frames without a database)."""
    frame = data.frames.get("signals")
    return frame if frame is not None else pd.DataFrame(columns=COLUMNS)
