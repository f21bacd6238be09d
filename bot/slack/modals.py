"""The two small modals every feature needs: "loading" (opened at once with the trigger id, within
Slack's 3 seconds, and replaced a moment later) and a notice (why something can't be done, or that
it was done). Each feature passes its :class:`ModalFrame`: its title, loading text and callback id.
:func:`input_state` reads one input of a submitted form; :func:`option` makes one select option.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slack_sdk.models.blocks import Option, PlainTextObject
from slack_sdk.models.views import View

from bot.format import clip
from bot.slack.blocks import section


@dataclass(frozen=True)
class ModalFrame:
    """What a feature's small modals share. ``title`` fits Slack's 24 characters."""

    title: str
    loading: str
    callback_id: str | None = None


#: The frame of the bot's own notices that belong to no feature (no collaborative here, database
#: unreachable).
COLLAB_FRAME = ModalFrame(title="Learning collaborative", loading="")


def notice_view(frame: ModalFrame, text: str, title: str | None = None) -> View:
    """A modal that only says ``text``, with a Close button (``title`` overrides the frame's)."""
    return View(
        type="modal",
        callback_id=frame.callback_id,
        title=title or frame.title,
        close="Close",
        blocks=[section(text)],
    )


def loading_view(frame: ModalFrame) -> View:
    """The placeholder a handler opens straight away; the real view replaces it via ``views.update``."""
    return notice_view(frame, frame.loading)


#: What a person sees when the database could not be reached (down, restarting, or too slow).
UNAVAILABLE = "I couldn't reach the database just now, so nothing was saved. Please try again in a minute."
#: The same, over a submitted form: closing the notice goes back to the form with what was typed.
UNAVAILABLE_SUBMIT = (
    "I couldn't reach the database just now, so nothing was saved. Close this and press Submit "
    "again in a minute: what you typed is still in the form."
)
UNAVAILABLE_TITLE = "Please try again"


def unavailable_view(frame: ModalFrame, submitted: bool = False) -> View:
    """The notice that replaces a loading modal (or is pushed over a submitted form) when the
    database could not be reached."""
    return notice_view(frame, UNAVAILABLE_SUBMIT if submitted else UNAVAILABLE, title=UNAVAILABLE_TITLE)


def input_state(values: dict[str, Any], block_id: str) -> dict[str, Any]:
    """The submitted state of input block ``block_id`` whose element's action id is ``value`` ({} if none)."""
    return dict((values.get(block_id) or {}).get("value") or {})


def option(label: str, value: str) -> Option:
    """One select option, its label clipped to Slack's 75 characters and its value to 150."""
    return Option(text=PlainTextObject(text=clip(label, 75)), value=value[:150])
