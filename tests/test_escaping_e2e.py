"""Injected mrkdwn reaches Slack escaped: signed requests to the real endpoint, the Slack stand-in.

A member who types ``<!channel>`` or a disguised link into a PDSA form, or an admin whose team is
called ``Smith & <Jones>``, must not ping the collaborative or post a link: Slack is sent
``&amp;``, ``&lt;``, ``&gt;`` (in the blocks and the notification text), and shows the characters.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select, update

from bot.format import escape, link
from bot.peers.channel import sync_peer_channel
from bot.slack.blocks import cut
from storage.models import Collaborative, Team
from tests.conftest import RunningBot
from tests.constants import ALICE, RIVER
from tests.helpers import collaborative_named, team_id_by_key, wait_for_calls, wait_for_messages, wait_until
from tests.test_measures_e2e import default_month, open_modal
from tests.test_measures_e2e import submit as submit_measures
from tests.test_pdsa_e2e import start_cycle, text

INJECTION = "<!channel> <https://evil.example/login|Click to see results>"
ESCAPED = "&lt;!channel&gt; &lt;https://evil.example/login|Click to see results&gt;"
ODD_TEAM = "Smith & <Jones> Clinic"
ODD_TEAM_ESCAPED = "Smith &amp; &lt;Jones&gt; Clinic"


def _raw(message: dict[str, Any]) -> str:
    """Everything Slack was sent for one message: the notification text and the blocks."""
    return message.get("text", "") + json.dumps(message.get("blocks", []), ensure_ascii=False)


def _no_live_markup(message: dict[str, Any]) -> None:
    raw = _raw(message)
    assert "<!channel>" not in raw and "<https://evil.example" not in raw and "<Jones>" not in raw


# -- the helpers ----------------------------------------------------------------------------------------


def test_escape_follows_slacks_three_rules_and_nothing_else() -> None:
    assert escape(INJECTION) == ESCAPED
    assert escape("a & b <c> *bold* _it_ :tada:") == "a &amp; b &lt;c&gt; *bold* _it_ :tada:"
    assert escape("&amp;") == "&amp;amp;"  # typed text is shown as typed, entity names included
    assert escape(None) == ""


@given(st.text())
def test_escaped_text_has_no_control_sequence_and_reads_back_as_typed(typed: str) -> None:
    shown = escape(typed)
    assert "<" not in shown and ">" not in shown
    assert re.sub(r"&(?!amp;|lt;|gt;)", "", shown) == shown  # every & starts an entity
    assert shown.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") == typed


@given(st.text(alphabet=st.sampled_from("a&<>;x"), max_size=40), st.integers(min_value=1, max_value=45))
def test_a_cut_never_leaves_half_an_entity(typed: str, limit: int) -> None:
    shown = cut(escape(typed), limit)
    assert len(shown) <= limit
    assert re.search(r"&[a-z]*$", shown) is None


def test_links_the_bot_makes_stay_links_with_their_label_escaped() -> None:
    assert link("https://zoom.example/j/1?pwd=a&b=c", "Join <now>") == (
        "<https://zoom.example/j/1?pwd=a&amp;b=c|Join &lt;now&gt;>"
    )
    assert link("https://x.example/a|b", "Join") == "Join"  # would break out of the link: not linked
    assert link("javascript:alert(1)", "Join") == "Join"


def test_a_long_text_is_never_cut_inside_an_entity() -> None:
    text = "x" * 2997 + "&amp;"
    assert cut(text) == "x" * 2997
    assert cut("x" * 2995 + "&amp;yy") == "x" * 2995 + "&amp;"


# -- end to end -------------------------------------------------------------------------------------------


def test_a_pdsa_prediction_reaches_the_team_and_peer_channels_escaped(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    _, reply = start_cycle(bot, prediction=text(INJECTION), change_idea_new=text("Cuffs & <b>cables</b>"))
    assert reply["response_action"] == "update"
    assert "Cuffs &amp; &lt;b&gt;cables&lt;/b&gt;" in json.dumps(reply["view"])  # the "planned" modal

    [card] = wait_for_messages(bot.slack, RIVER, 1)
    sync_peer_channel(bot.ctx, collaborative_named(bot.db).id)  # sets up the peer channel, sends held posts
    peer = wait_until(lambda: _peer_channel(bot))
    [peer_card] = wait_for_messages(bot.slack, peer, 1)
    for message in (card, peer_card):
        _no_live_markup(message)
        assert ESCAPED in json.dumps(message["blocks"], ensure_ascii=False)
        assert "Cuffs &amp; &lt;b&gt;cables&lt;/b&gt;" in message["text"]
    # What was typed is stored as typed: the escaping is for Slack only.
    with bot.db.reader() as session:
        from storage.models import PdsaCycle

        assert session.scalars(select(PdsaCycle.prediction)).one() == INJECTION


def test_a_team_name_with_ampersand_and_brackets_is_escaped_everywhere(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    team_id = team_id_by_key(bot.db, "riverside")
    with bot.db.transaction() as session:
        session.execute(update(Team).where(Team.id == team_id).values(name=ODD_TEAM))

    # A measures report: the channel note and the private confirmation.
    view = open_modal(bot, ALICE)
    assert f"*Team:* {ODD_TEAM_ESCAPED}" in json.dumps(view["blocks"], ensure_ascii=False)
    assert submit_measures(bot, view, ALICE, narrative={"wins": INJECTION}) is None
    note = wait_for_messages(bot.slack, RIVER)[0]
    private = wait_for_messages(bot.slack, ALICE)[0]
    for message in (note, private):
        _no_live_markup(message)
        assert ODD_TEAM_ESCAPED in message["text"] and ODD_TEAM_ESCAPED in json.dumps(message["blocks"])
        assert "evil.example" not in _raw(message)  # the narrative is never posted

    # The narrative comes back into its (plain-text) field as typed, not escaped twice.
    again = open_modal(bot, ALICE, default_month())
    wins = next(b for b in again["blocks"] if b.get("block_id", "").startswith("wins|"))
    assert wins["element"]["initial_value"] == INJECTION

    # /collab status answers in mrkdwn too.
    answer = bot.answer("/collab", "status", ALICE)
    _no_live_markup(answer)
    assert ODD_TEAM_ESCAPED in answer["text"] and ODD_TEAM_ESCAPED in json.dumps(answer["blocks"])

    # /collab help names the team in mrkdwn.
    body = json.dumps(bot.answer("/collab", "help", ALICE))
    assert ODD_TEAM_ESCAPED in body and "<Jones>" not in body


def test_a_typed_subcommand_or_month_is_escaped_in_the_answer(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    body = json.dumps(bot.answer("/collab", "<!channel>", ALICE))
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    _, _, body = bot.requests.command("/measures", "<!here>", ALICE)
    assert "<!here>" not in body and "&lt;!here&gt;" in body
    assert not wait_for_calls(bot.slack, "views.open", 0)


def _peer_channel(bot: RunningBot) -> str | None:
    with bot.db.reader() as session:
        return session.scalar(select(Collaborative.peer_channel_id))


def test_call_reminders_and_feedback_requests_escape_the_title_and_keep_the_join_link() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from bot.calls.views import call_reminder, feedback_request, rsvp_confirmation
    from storage.enums import CallKind, RsvpAnswer

    reminder = call_reminder(
        event_id=1,
        title="Q&A <!here>",
        kind=CallKind.INTERIM_CALL,
        starts_at=datetime(2026, 5, 1, 19, tzinfo=UTC),
        duration_minutes=60,
        join_url="https://zoom.example/j/1?pwd=x&y=z",
        tz=ZoneInfo("America/Los_Angeles"),
        step="day-before",
        going=0,
        not_going=0,
    )
    _no_live_markup(reminder)
    assert "<!here>" not in _raw(reminder) and "Q&amp;A &lt;!here&gt;" in reminder["text"]
    assert "<https://zoom.example/j/1?pwd=x&amp;y=z|Join the call>" in _raw(reminder)
    request = feedback_request(event_id=1, title="Q&A <!here>", kind=CallKind.INTERIM_CALL)
    assert "<!here>" not in _raw(request)
    assert "<!here>" not in rsvp_confirmation(RsvpAnswer.GOING, "Q&A <!here>")


def test_peer_posts_milestones_and_buddy_intros_escape_names_in_blocks_and_notification_text() -> None:
    from bot.buddies.views import introduction
    from bot.milestones.rules import Milestone
    from bot.milestones.views import milestone_card
    from bot.peers import views as peers

    messages = [
        peers.peer_post(peers.SHARE, ALICE, ODD_TEAM, INJECTION, "measure “A & <B>”", None),
        peers.peer_post(peers.ASK, ALICE, ODD_TEAM, INJECTION, None, None),
        peers.unanswered_ask(ODD_TEAM, "C0PEERS001", "1700000000.000100", 48),
        peers.welcome(ODD_TEAM, ODD_TEAM),
        peers.prompt(INJECTION),
        peers.spotlight(ODD_TEAM, INJECTION, ()),
        *(milestone_card(m, ODD_TEAM, INJECTION, for_peers=True) for m in Milestone),
        introduction(
            month="2026-03",
            measure=ODD_TEAM,
            improving_team=ODD_TEAM,
            improving_leads=[ALICE],
            flat_team=ODD_TEAM,
            flat_leads=[ALICE],
            adopted=[INJECTION],
        ),
    ]
    for message in messages:
        _no_live_markup(message)
        assert "&lt;" in message["text"] + json.dumps(message["blocks"])
