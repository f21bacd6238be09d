"""The two small modals every feature needs: "loading" (opened at once with the trigger id, within
Slack's 3 seconds, and replaced a moment later) and a notice (why something can't be done, or that
it was done). Each feature passes its :class:`ModalFrame`: its title, loading text and callback id.
"""

from __future__ import annotations

from dataclasses import dataclass

from slack_sdk.models.views import View

from bot.slack.blocks import section


@dataclass(frozen=True)
class ModalFrame:
    """What a feature's small modals share. ``title`` fits Slack's 24 characters."""

    title: str
    loading: str
    callback_id: str | None = None


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
