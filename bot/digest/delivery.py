"""Sending the weekly digest: the main message, its thread, and the run charts as pictures.

Everything goes through the delivery ledger, keyed by collaborative and ISO week, so the
digest is sent once per week however often the job runs; a failed part stays pending and is
sent by the next run. The preview (``/collab digest``) goes straight to the asking faculty
member's direct messages and is not recorded.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.analytics.charts import render_run_chart
from bot.context import BotContext
from bot.digest.rules import ChartSeries, Digest, build_digest, reporting_period, week_key
from bot.digest.views import (
    chart_comment,
    chart_filename,
    digest_message,
    digest_thread_messages,
    preview_failed_message,
)
from bot.feedback.service import latest_summary_line
from bot.months import local_date
from bot.peers.engagement import engagement_line
from bot.scores.rules import disagree
from bot.slack.delivery import DeliverySummary, Outgoing, count_outcome, deliver_all, run_once
from storage.db import Database
from storage.digest_queries import load_digest_data
from storage.scores import scores_for_month

log = logging.getLogger(__name__)

JOB = "weekly-digest"


def compute_digest(db: Database, collaborative_id: int, as_of: datetime) -> Digest:
    with db.reader() as session:
        data = load_digest_data(session, collaborative_id, as_of)
        period = str(reporting_period(local_date(as_of, data.collaborative.timezone)))
        pairs = scores_for_month(session, collaborative_id, period)
    digest = build_digest(data, as_of)
    gaps = [
        (p.team_name, p.faculty, p.self_score)
        for p in pairs
        if p.faculty is not None and p.self_score is not None and disagree(p.faculty, p.self_score)
    ]
    feedback = latest_summary_line(db, collaborative_id, as_of)
    engagement = engagement_line(db, collaborative_id, as_of, data.collaborative.timezone)
    return replace(digest, feedback=feedback or digest.feedback, score_gaps=gaps, peer_engagement=engagement)


def render_chart(chart: ChartSeries) -> tuple[bytes, str]:
    """The measure's collaborative run chart: (PNG bytes, alt text)."""
    return render_run_chart(chart.chart)


def upload_chart(
    client: WebClient, digest: Digest, chart: ChartSeries, channel: str, thread_ts: str | None
) -> str | None:
    """Upload one run chart PNG with its finding as the comment; returns the file id."""
    png, alt = render_chart(chart)
    response = client.files_upload_v2(
        file=png,
        filename=chart_filename(digest, chart),
        title=chart.title,
        channel=channel,
        thread_ts=thread_ts,
        initial_comment=chart_comment(chart),
        alt_txt=alt[:1000],
    )
    file = response.get("file") or {}
    return str(file.get("id")) if file.get("id") else None


def digest_outgoing(digest: Digest, channel: str) -> list[Outgoing]:
    main = week_key(digest)
    outgoing = [Outgoing(main, JOB, channel, digest_message(digest), digest.collaborative_id)]
    for index, reply in enumerate(digest_thread_messages(digest), start=1):
        outgoing.append(
            Outgoing(f"{main}:detail:{index}", JOB, channel, reply, digest.collaborative_id, thread_key=main)
        )
    return outgoing


def send_weekly_digest(
    ctx: BotContext, collaborative_id: int, channel: str, as_of: datetime
) -> DeliverySummary:
    """Post the week's digest and its charts to ``channel`` (each part once per week)."""
    digest = compute_digest(ctx.db, collaborative_id, as_of)
    summary = deliver_all(ctx, digest_outgoing(digest, channel))
    main = week_key(digest)
    for chart in digest.charts:
        key = f"{main}:chart:{chart.measure}"
        outcome = run_once(
            ctx,
            key=key,
            job=JOB,
            channel=channel,
            action=lambda client, ts, chart=chart: upload_chart(client, digest, chart, channel, ts),  # type: ignore[misc]
            collaborative_id=collaborative_id,
            thread_key=main,
        )
        count_outcome(summary, outcome, key)
    return summary


def send_preview(
    ctx: BotContext, client: WebClient, user_id: str, collaborative_id: int, as_of: datetime
) -> None:
    """The digest as it stands now, in a direct message to one faculty member, details in its thread.

    ``client`` is the collaborative's workspace's (the asker's own)."""
    digest = compute_digest(ctx.db, collaborative_id, as_of)
    preview = digest_message(digest, preview=True)
    main = client.chat_postMessage(channel=user_id, unfurl_links=False, **preview)
    thread_ts = main.get("ts")
    channel = main.get("channel") or user_id
    for reply in digest_thread_messages(digest):
        client.chat_postMessage(channel=channel, thread_ts=thread_ts, unfurl_links=False, **reply)


def tell_preview_failed(client: WebClient, user_id: str) -> None:
    """Say the preview could not be made, so the "Preparing…" reply is not left hanging."""
    try:
        client.chat_postMessage(channel=user_id, **preview_failed_message())
    except (SlackApiError, SlackClientError, OSError) as exc:
        log.warning("could not tell %s the preview failed: %s", user_id, type(exc).__name__)
