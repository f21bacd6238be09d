"""Block Kit for IHI assessment scores: the scoring modal (team, month, score with the level names,
reason; the team's self-score and the hint beside them), the "Score a team" button, what a team sees
on its Home tab and the digest's disagreement lines. Reasons are typed by faculty: escaped."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    InputBlock,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from bot.format import clip, escape
from bot.months import month_label
from bot.phi import SAFETY_NET_NOTE
from bot.scores.rules import LEVELS, MAX_REASON, hint_text, level_label
from bot.slack.blocks import context, section
from bot.slack.modals import ModalFrame, input_state, notice_view, option
from bot.slack.payloads import Payload, RowId

if TYPE_CHECKING:  # the service reads the digest, whose thread carries this module's button
    from bot.scores.service import Disagreement, ScoreSaved, ScoreScreen, TeamScore

CALLBACK = "score_submit"
ACTION_OPEN = "score_open"  # "Score a team" (App Home, the digest thread); value: a team id or ""
ACTION_TEAM = "score_team"  # picking a team or month in the form redraws it with that team's figures
ACTION_MONTH = "score_month"
FRAME = ModalFrame("IHI score", "Loading… :hourglass:", CALLBACK)
STALE_FORM = "This form is out of date, so nothing was saved. Run `/collab score` to start again."
MAX_OPTIONS = 100


class ScoreRef(Payload):
    """The team and month the scoring form shows: ``{"team_id":3,"period":"2026-03"}``."""

    team_id: RowId
    period: str


def _score_text(score: float | None) -> str:
    return level_label(score) if score is not None else "none yet"


def score_modal(screen: ScoreScreen, draft: tuple[str | None, str | None] = (None, None)) -> View:
    """The form; ``draft`` (score, reason) is what was already typed when a team or month is picked."""
    team, period = screen.team, screen.period
    draft_score, draft_reason = draft
    team_options = [option(t.team_name, str(t.team_id)) for t in screen.teams[:MAX_OPTIONS]]
    month_options = [option(month_label(m), m) for m in screen.months]
    score_options = [option(level_label(s), f"{s:.1f}") for s in LEVELS]
    current = screen.current
    about = (
        f"*{escape(team.team_name)}*, {month_label(period)}\n"
        f"Team's self-score: *{_score_text(screen.self_score)}*  ·  "
        f"Faculty score: *{_score_text(current.score if current else None)}*"
    )
    blocks: list[Block] = [
        InputBlock(
            block_id="team",
            label="Team",
            dispatch_action=True,
            element=StaticSelectElement(
                action_id=ACTION_TEAM,
                options=team_options,
                initial_option=next((o for o in team_options if o.value == str(team.team_id)), None),
            ),
        ),
        InputBlock(
            block_id="month",
            label="Month",
            dispatch_action=True,
            element=StaticSelectElement(
                action_id=ACTION_MONTH,
                options=month_options,
                initial_option=next((o for o in month_options if o.value == period), None),
            ),
        ),
        section(about),
        context(":bulb: " + hint_text(screen.hint)),
        InputBlock(
            block_id="score",
            label="Score (IHI assessment scale)",
            element=StaticSelectElement(
                action_id="value",
                placeholder="Choose a score",
                options=score_options,
                initial_option=next(
                    (
                        o
                        for o in score_options
                        if o.value == (draft_score or (f"{current.score:.1f}" if current else None))
                    ),
                    None,
                ),
            ),
        ),
        InputBlock(
            block_id="reason",
            label="Reason (the team sees it)",
            hint=SAFETY_NET_NOTE,
            element=PlainTextInputElement(
                action_id="value",
                multiline=True,
                max_length=MAX_REASON,
                initial_value=draft_reason or (current.reason if current else None) or None,
            ),
        ),
    ]
    return View(
        type="modal",
        callback_id=CALLBACK,
        title="IHI score",
        submit="Save score",
        close="Cancel",
        private_metadata=ScoreRef(team_id=team.team_id, period=period).dump(),
        blocks=blocks,
    )


def _selected(values: dict[str, Any], block_id: str) -> str | None:
    for element in (values.get(block_id) or {}).values():
        option = (element or {}).get("selected_option") or {}
        if option.get("value"):
            return str(option["value"])
    return None


def read_choice(values: dict[str, Any], meta: ScoreRef) -> tuple[int | None, str]:
    """The team and month picked in the form (the metadata's when a picker is empty)."""
    raw_team = _selected(values, "team")
    try:
        team_id: int | None = int(raw_team) if raw_team is not None else meta.team_id
    except ValueError:
        team_id = None
    return team_id, _selected(values, "month") or meta.period


def read_score(values: dict[str, Any]) -> tuple[str | None, str | None]:
    """The chosen score (as sent) and the reason typed."""
    reason = input_state(values, "reason").get("value")
    return _selected(values, "score"), reason


def saved_view(saved: ScoreSaved) -> View:
    verb = "updated" if saved.replaced else "saved"
    text = (
        f":white_check_mark: Score {verb}: *{escape(saved.team_name)}*, {month_label(saved.period)}: "
        f"*{level_label(saved.score)}*. The team sees it on its Home tab."
    )
    return notice_view(FRAME, text, "Score saved")


def score_button(team_id: int | None = None) -> ActionsBlock:
    return ActionsBlock(
        block_id="score",
        elements=[
            ButtonElement(
                text="Score a team", action_id=ACTION_OPEN, value=str(team_id) if team_id else "all"
            )
        ],
    )


def team_score_blocks(scores: Sequence[TeamScore]) -> list[Block]:
    """A team's latest faculty score on its Home tab."""
    if not scores:
        return []
    lines = []
    for s in scores:
        line = f"*{escape(s.team_name)}* · {month_label(s.period)}: *{level_label(s.score)}*"
        if s.reason:
            line += f"\n> {escape(clip(s.reason, 500))}"
        lines.append(line)
    return [section("*Faculty assessment* (IHI scale)"), section(clip("\n".join(lines), 2900))]


def disagreement_lines(found: Sequence[Disagreement]) -> list[str]:
    return [f"• *{escape(d.team_name)}*: faculty {d.faculty:.1f}, self {d.self_score:.1f}" for d in found]
