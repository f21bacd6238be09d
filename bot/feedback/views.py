"""Block Kit for feedback: the form, the thank-you, and the summary faculty read (DM, ``/collab
feedback``) with its one-line form for the digest. Everything a person typed is escaped."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slack_sdk.models.blocks import (
    Block,
    CheckboxesElement,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    PlainTextInputElement,
    RadioButtonsElement,
)
from slack_sdk.models.views import View

from bot.calls.views import local_fallback
from bot.feedback.rules import (
    ADD_NAME,
    ADD_NAME_VALUE,
    MAX_TEXT,
    QUESTIONS,
    USEFULNESS,
    USEFULNESS_LABELS,
    FeedbackForm,
    FeedbackSummary,
)
from bot.format import clean, clip, escape
from bot.months import day_label
from bot.phi import SAFETY_NET_NOTE
from bot.slack.blocks import Message, context, mention, message, section
from bot.slack.modals import ModalFrame, input_state, notice_view, option
from bot.slack.payloads import Payload, RowId

if TYPE_CHECKING:
    from bot.feedback.service import FeedbackSaved, FeedbackScreen

CALLBACK = "feedback_submit"
FRAME = ModalFrame("Feedback", "Loading… :hourglass:", CALLBACK)
STALE_FORM = "This form is out of date, so nothing was saved. Press *Give feedback* again."
STALE_BUTTON = "That button is out of date. Ask your faculty for the latest feedback request."
#: Free-text answers shown per question in a summary message (the export has them all).
MAX_SHOWN = 8


class EventRef(Payload):
    """Which event the feedback modal is about: ``{"event_id":42}``."""

    event_id: RowId


def not_yet_text(title: str) -> str:
    return f"“{escape(title)}” hasn't happened yet: the feedback form opens when it starts."


def closed_text(title: str, closed_on: date) -> str:
    return (
        f"The feedback window for “{escape(title)}” has closed (it was open for 14 days, "
        f"until {day_label(closed_on)}). Thank you all the same: tell your faculty directly if "
        "something is on your mind."
    )


def closed_request(title: str, closed_on: date) -> Message:
    """The feedback request once its window has closed: the button gives way to a note."""
    text = (
        f"Feedback on “{escape(title)}” closed on {day_label(closed_on)}. Thank you to everyone who answered!"
    )
    return message(text, [section(f":speech_balloon: *How was “{escape(title)}”?*"), context(text)])


def no_such_event_text(wanted: str) -> str:
    return (
        f"I couldn't find a call or session matching “{escape(clip(wanted, 80))}”. "
        "Try a date such as `2026-11-12`, or words from its title."
    )


def feedback_modal(screen: FeedbackScreen) -> View:
    """The form: usefulness 1-5, four optional questions, "add my name" (unticked by default)."""
    event, previous = screen.event, screen.previous
    tz = ZoneInfo(event.timezone)
    blocks: list[Block] = [
        section(f"*{escape(event.title)}*, {local_fallback(event.starts_at, tz)}"),
        context(f"Your answers are anonymous unless you tick *Add my name*. {SAFETY_NET_NOTE}"),
    ]
    if previous is not None:
        blocks.append(context(":pencil2: You answered before: sending this form replaces that answer."))
    options = [option(label, str(score)) for score, label in USEFULNESS_LABELS.items()]
    initial = next((o for o in options if previous and o.value == str(previous.usefulness)), None)
    blocks.append(
        InputBlock(
            block_id=USEFULNESS,
            label="How useful was it?",
            element=RadioButtonsElement(action_id="value", options=options, initial_option=initial),
        )
    )
    for name, question in QUESTIONS:
        blocks.append(
            InputBlock(
                block_id=name,
                label=question,
                optional=True,
                element=PlainTextInputElement(
                    action_id="value",
                    multiline=True,
                    max_length=MAX_TEXT,
                    initial_value=(getattr(previous, name) if previous else None) or None,
                ),
            )
        )
    add_name = option("Add my name to my answers", ADD_NAME_VALUE)
    blocks.append(
        InputBlock(
            block_id=ADD_NAME,
            label="Your name",
            optional=True,
            element=CheckboxesElement(
                action_id="value",
                options=[add_name],
                initial_options=[add_name] if previous and previous.add_name else None,
            ),
        )
    )
    return View(
        type="modal",
        callback_id=CALLBACK,
        title="Feedback",
        submit="Send",
        close="Cancel",
        private_metadata=EventRef(event_id=event.event_id).dump(),
        blocks=blocks,
    )


def read_form(values: dict[str, Any]) -> FeedbackForm:
    """The submitted modal's ``view.state.values`` as a :class:`FeedbackForm`."""
    picked = (input_state(values, USEFULNESS).get("selected_option") or {}).get("value")
    try:
        usefulness: int | None = int(picked) if picked is not None else None
    except (TypeError, ValueError):
        usefulness = None
    ticked = input_state(values, ADD_NAME).get("selected_options") or []
    texts = {name: clean(input_state(values, name).get("value")) for name, _ in QUESTIONS}
    return FeedbackForm(
        usefulness=usefulness,
        add_name=any(o.get("value") == ADD_NAME_VALUE for o in ticked),
        **texts,
    )


def saved_view(saved: FeedbackSaved) -> View:
    thanks = f":pray: Thank you! Your feedback on “{escape(saved.title)}” is saved"
    thanks += " (it replaces your earlier answer)." if saved.replaced else "."
    thanks += " Your name is on it." if saved.named else " It is anonymous."
    return notice_view(FRAME, thanks, "Feedback sent")


# -- the summary -------------------------------------------------------------------------------------------


def _rate(part: int, whole: int) -> str:
    return f"{part} of {whole} ({part / whole:.0%})" if whole else f"{part} of 0"


def mean_text(summary: FeedbackSummary) -> str:
    return f"{summary.mean:.1f} of 5" if summary.mean is not None else "no answers yet"


def summary_line(summary: FeedbackSummary) -> str:
    """One line (plain words; names escaped by the caller's markup): the digest's feedback line."""
    if not summary.responses:
        return f"“{summary.title}”: no answers yet"
    return (
        f"“{summary.title}”: {summary.responses} answer{'s' if summary.responses != 1 else ''}, "
        f"mean usefulness {mean_text(summary)}"
    )


def _distribution(summary: FeedbackSummary) -> str:
    most = max(summary.distribution.values(), default=0) or 1
    lines = []
    for score in sorted(summary.distribution, reverse=True):
        n = summary.distribution[score]
        bar = "█" * round(10 * n / most) if n else ""
        lines.append(f"`{score}` {bar} {n}")
    return "\n".join(lines)


def _comments(answers: list[tuple[str, str | None]]) -> str:
    shown = [
        f"• {escape(clip(text, 300))}" + (f" ({mention(name)})" if name else "")
        for text, name in answers[:MAX_SHOWN]
    ]
    if len(answers) > MAX_SHOWN:
        shown.append(f"_… and {len(answers) - MAX_SHOWN} more (all are in `collab-bot export`)._")
    return clip("\n".join(shown), 2800)


def summary_blocks(summary: FeedbackSummary, tz: ZoneInfo) -> list[Block]:
    title = clip(f"Feedback: {summary.title}", 150)
    blocks: list[Block] = [
        HeaderBlock(text=title),
        context(local_fallback(summary.starts_at, tz)),
        section(
            f"*Answers:* {summary.responses}\n"
            f"*Response rate:* {_rate(summary.responses, summary.going)} who said Going · "
            f"{_rate(summary.responses, summary.members)} active team members\n"
            f"*Mean usefulness:* {mean_text(summary)}"
        ),
    ]
    if summary.responses:
        blocks.append(section("*Usefulness* (5 extremely useful … 1 not useful)\n" + _distribution(summary)))
    for question, answers in summary.comments:
        blocks.append(DividerBlock())
        blocks.append(section(f"*{question}*\n{_comments(answers)}"))
    return blocks


def summary_message(summary: FeedbackSummary, tz: ZoneInfo) -> Message:
    text = (
        f"Feedback on {escape(summary.title)}: {summary.responses} answers, "
        f"mean usefulness {mean_text(summary)}"
    )
    return message(text, summary_blocks(summary, tz))


def summary_reply(summary: FeedbackSummary, tz: ZoneInfo) -> dict[str, Any]:
    """``/collab feedback``'s private answer."""
    return {"response_type": "ephemeral", **summary_message(summary, tz)}


def refusal_reply(text: str) -> dict[str, Any]:
    return {"response_type": "ephemeral", "text": text, "blocks": [section(text).to_dict()]}
