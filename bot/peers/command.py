"""``collab-bot channels sync [--collaborative KEY]``: set up each peer channel and its members.

Prints one line per collaborative (``htn: created #htn-peer-sharing, invited 14, removed 1``);
exits 1 when any could not be synced, saying why on stderr. ``load`` runs the same sync for the
collaborative it loaded.
"""

from __future__ import annotations

import sys

from bot.context import BotContext
from bot.peers.channel import sync_peer_channel
from bot.settings import Settings
from bot.slack.app import build_context
from bot.workspaces import adopt_collaboratives
from storage.collaboratives import active_collaboratives


def sync_in(ctx: BotContext, keys: set[str] | None = None) -> int:
    """Sync the peer channels of the active collaboratives (only ``keys`` when given); exit code."""
    adopt_collaboratives(ctx)
    with ctx.db.reader() as session:
        collaboratives = [c for c in active_collaboratives(session) if keys is None or c.key in keys]
    if keys is not None and not collaboratives:
        print(f"collab-bot: no active collaborative called {', '.join(sorted(keys))}.", file=sys.stderr)
        return 2
    failed = 0
    for collab in collaboratives:
        result = sync_peer_channel(ctx, collab.id)
        if result is None:
            print(f"{collab.key}: no peer channel in the file")
        elif result.ok:
            print(f"{collab.key}: {result.line}")
        else:
            failed += 1
            print(f"collab-bot: {collab.key}: {result.line}", file=sys.stderr)
    return 1 if failed else 0


def run_channels_sync(settings: Settings, key: str | None = None) -> int:
    settings.require_slack()
    ctx = build_context(settings)
    try:
        return sync_in(ctx, {key} if key else None)
    finally:
        ctx.db.dispose()
