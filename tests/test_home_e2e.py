"""The App Home tab end to end: signed ``app_home_opened`` events and Home-tab buttons through the real
``/slack/events``, the stand-in (which refuses a Home tab over Slack's limits), SQLite and PostgreSQL.

A member sees the next call with RSVP buttons and the team's open PDSA cycles with Update; faculty see
every team and the teams needing support; someone on no team gets a short page saying who to ask.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from sqlalchemy import select

from bot.calls.views import RSVP_GOING
from bot.pdsa.views import ACTION_OPEN, UPDATE_CALLBACK, cycle_value
from storage.enums import RsvpAnswer
from storage.models import Rsvp, Team
from storage.pdsa import NewCycle, create_cycle
from storage.peer_activity import count_message
from tests.conftest import NOW, RunningBot
from tests.constants import ALICE, FACULTY, NOBODY
from tests.helpers import collaborative_named, report_one_measure, team_id_by_key, wait_for_calls, wait_until
from tests.signing import block_actions_payload
from tests.slack_standin import validate_view

SNEAKY = "Call back <!channel> & <https://evil.example|click>"


def open_home(bot: RunningBot, user: str) -> dict[str, Any]:
    """Open the Home tab as ``user``; the view the stand-in accepted (it refuses one over the limits)."""
    before = len(bot.slack.calls_to("views.publish"))
    bot.requests.event({"type": "app_home_opened", "user": user, "channel": "D0HOME0001", "tab": "home"})
    [*_, call] = wait_for_calls(bot.slack, "views.publish", before + 1, where=lambda c: True)
    assert call.ok, call.response
    home = bot.slack.home_views[user]
    assert validate_view(home) == [] and len(home["blocks"]) <= 100
    return home


def shown(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"], ensure_ascii=False)


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for block in view["blocks"]:
        if block["type"] == "actions":
            found.extend(block["elements"])
        elif block.get("accessory", {}).get("type") == "button":
            found.append(block["accessory"])
    return found


def plan(bot: RunningBot, team: str, idea: str, start: date = date(2026, 4, 1)) -> int:
    cycle = create_cycle(
        bot.db,
        NewCycle(
            team_id=team_id_by_key(bot.db, team),
            created_by=ALICE,
            objective="Will MAs repeat the BP for every high first reading?",
            prediction="Half the repeats will be under 140/90",
            start_date=start,
            change_idea_title=idea,
        ),
        now=NOW,
    )
    return cycle.id


def test_member_sees_next_call_with_rsvp_and_open_cycles_with_update(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    cycle_id = plan(bot, "riverside", SNEAKY)
    home = open_home(bot, ALICE)
    text = shown(home)
    assert "*This month*" in text and "*Next call*" in text
    assert "Monthly interim call" in text and "You haven't answered yet." in text
    assert "*Your team's open PDSA cycles*" in text
    assert "&lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in text and "<!channel>" not in text
    actions = {b["action_id"]: b for b in buttons(home)}
    assert {"rsvp_going", "rsvp_not_going", ACTION_OPEN, "peer_share_open", "peer_ask_open"} <= set(actions)
    assert actions[ACTION_OPEN]["value"] == cycle_value(cycle_id)
    assert text.index("*This month*") < text.index("*Next call*") < text.index("Here's what you can do")
    assert "All teams of" not in text  # the faculty grid is faculty's

    # "Going" on the Home tab: the answer is stored and the tab shows it.
    going = actions[RSVP_GOING]
    before = len(bot.slack.calls_to("views.publish"))
    bot.requests.interact(
        block_actions_payload(RSVP_GOING, ALICE, value=going["value"], block_id="rsvp", view=home)
    )
    wait_for_calls(bot.slack, "views.publish", before + 1)
    with bot.db.reader() as session:
        answer = session.scalars(select(Rsvp.response).where(Rsvp.slack_user_id == ALICE)).one()
    assert answer == RsvpAnswer.GOING
    assert "You said you're going." in shown(bot.slack.home_views[ALICE])

    # "Update" on the Home tab opens the cycle's update form in a modal (the tab itself is untouched).
    home = bot.slack.home_views[ALICE]
    opened_before = len(bot.slack.calls_to("views.open"))
    bot.requests.interact(
        block_actions_payload(
            ACTION_OPEN,
            ALICE,
            value=cycle_value(cycle_id),
            block_id="cycle",
            view=home,
            trigger_id=bot.slack.issue_trigger_id(),
        )
    )
    [*_, opened] = wait_for_calls(bot.slack, "views.open", opened_before + 1)
    modal_id = opened.response["view"]["id"]  # type: ignore[index]
    wait_until(lambda: bot.slack.views[modal_id]["callback_id"] == UPDATE_CALLBACK)
    assert bot.slack.home_views[ALICE]["type"] == "home"

    # "Share a win" on the Home tab opens the peer-post form.
    opened_before = len(bot.slack.calls_to("views.open"))
    bot.requests.interact(
        block_actions_payload(
            "peer_share_open",
            ALICE,
            block_id="peer_posts",
            view=home,
            trigger_id=bot.slack.issue_trigger_id(),
        )
    )
    [*_, opened] = wait_for_calls(bot.slack, "views.open", opened_before + 1)
    share_id = opened.response["view"]["id"]  # type: ignore[index]
    wait_until(lambda: bot.slack.views[share_id]["callback_id"] == "peer_share_submit")


def test_logging_a_cycle_refreshes_the_home_tab(loaded_bot: RunningBot) -> None:
    from tests.test_pdsa_e2e import start_cycle

    bot = loaded_bot
    assert "open PDSA cycles" not in shown(open_home(bot, ALICE))
    before = len(bot.slack.calls_to("views.publish"))
    start_cycle(bot, ALICE)
    wait_for_calls(bot.slack, "views.publish", before + 1)
    refreshed = shown(bot.slack.home_views[ALICE])
    assert "*Your team's open PDSA cycles*" in refreshed
    assert "Repeat BP when the first reading is high" in refreshed


def test_faculty_see_every_team_and_who_needs_support(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    report_one_measure(bot.db, "riverside", "2026-03")
    plan(bot, "eastside", "Pre-visit planning huddle", start=date(2026, 4, 6))
    collab_id = collaborative_named(bot.db).id
    riverside = team_id_by_key(bot.db, "riverside")
    count_message(bot.db, collab_id, riverside, "2026-W14", "person-a", reply=False)  # April 1 is in W14
    count_message(bot.db, collab_id, riverside, "2026-W16", "person-b", reply=True)
    count_message(bot.db, collab_id, riverside, "2026-W13", "person-a", reply=False)  # March: not counted
    home = open_home(bot, FACULTY)
    text = shown(home)
    assert "*All teams of Hypertension Control Learning Collaborative* (March 2026 reports)" in text
    for team in ("Riverside Family Clinic", "Eastside Community Health Center", "North County"):
        assert team in text
    assert "*Riverside Family Clinic* · :white_check_mark: reported" in text
    assert "*Eastside Community Health Center* · :hourglass: not yet" in text
    assert "last PDSA Apr 15" in text and "no PDSA yet" in text
    assert "2 peer messages this month" in text and "0 peer messages this month" in text
    assert "*Teams needing support*" in text and "no PDSA activity in 6 weeks" in text
    assert "*Next call*" in text  # faculty join the calls too


def test_someone_on_no_team_gets_a_short_page_saying_who_to_ask(loaded_bot: RunningBot) -> None:
    home = open_home(loaded_bot, NOBODY)
    text = shown(home)
    assert "not on a team in a learning collaborative yet" in text and f"<@{FACULTY}>" in text
    assert "*This month*" not in text and not buttons(home)
    assert len(home["blocks"]) <= 5


def test_a_crowded_home_tab_stays_within_slacks_limits(loaded_bot: RunningBot) -> None:
    """Faculty who are also on a team, with many open cycles: still at most 100 valid blocks."""
    bot = loaded_bot
    with bot.db.transaction() as session:
        from storage.enums import Role
        from storage.models import Membership

        collab_id = session.scalars(select(Team.collaborative_id).where(Team.key == "riverside")).one()
        session.add(
            Membership(
                collaborative_id=collab_id,
                team_id=team_id_by_key(bot.db, "riverside"),
                slack_user_id=FACULTY,
                role=Role.MEMBER,
            )
        )
    for n in range(25):
        plan(bot, "riverside", f"Change idea {n} " + "x" * 250)
    home = open_home(bot, FACULTY)
    text = shown(home)
    assert "All teams of" in text and "*Your team's open PDSA cycles*" in text
    assert "15 more: see them all with `/pdsa`." in text
