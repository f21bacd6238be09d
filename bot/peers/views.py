"""Block Kit for peer posts: the *Share a win* / *Ask for help* modal, the post in the peer channel,
the unanswered-ask note to faculty, and the welcome DM. Everything a person typed is escaped."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_sdk.models.blocks import (
    Block,
    ImageBlock,
    InputBlock,
    OptionGroup,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.blocks.basic_components import SlackFile
from slack_sdk.models.blocks.block_elements import FileInputElement
from slack_sdk.models.views import View

from bot.format import clean, escape
from bot.phi import SAFETY_NET_NOTE
from bot.slack.blocks import Message, context, mention, message, section
from bot.slack.modals import ModalFrame, input_state, notice_view, option
from bot.slack.payloads import Payload

if TYPE_CHECKING:
    from bot.peers.service import PostScreen, PostSent

SHARE, ASK = "share", "ask"
KINDS = (SHARE, ASK)
CALLBACKS = {SHARE: "peer_share_submit", ASK: "peer_ask_submit"}
#: Global shortcuts (in the manifest) and buttons (e.g. on the Home tab) that open the modals.
SHORTCUTS = {SHARE: "peer_share_shortcut", ASK: "peer_ask_shortcut"}
OPEN_ACTIONS = {SHARE: "peer_share_open", ASK: "peer_ask_open"}
TITLES = {SHARE: "Share a win", ASK: "Ask for help"}
FRAMES = {kind: ModalFrame(TITLES[kind], "Loading… :hourglass:", CALLBACKS[kind]) for kind in KINDS}
MAX_TEXT = 3000
PICTURE_TYPES = ["png", "jpg", "jpeg", "gif"]
STALE_FORM = (
    "This form is out of date, so nothing was posted. Open it again with `/collab share` or `/collab ask`."
)
NOT_ON_A_TEAM = (
    "Sharing a win or asking for help is done for your team, and you're not on a team in a "
    "collaborative with a peer channel. Faculty can post in the peer channel directly."
)
PROMPTS = {
    SHARE: "What went well? A change that worked, a number that moved, a tip for other teams.",
    ASK: "What do you need? Describe the problem and what you've tried; other teams answer in the thread.",
}
LABELS = {SHARE: "What happened", ASK: "What you need"}


class PostRef(Payload):
    """The modal's ``private_metadata``: which kind of post, for which team (``{"kind":"ask"}``)."""

    kind: str
    team_id: int | None = None


def post_modal(screen: PostScreen) -> View:
    """Text (required), the team (when the person has several), a measure or change idea (optional),
    and an optional picture."""
    kind = screen.kind
    blocks: list[Block] = [context(escape(PROMPTS[kind]))]
    if len(screen.teams) > 1:
        blocks.append(
            InputBlock(
                block_id="team",
                label="Your team",
                element=StaticSelectElement(
                    action_id="value",
                    options=[option(t.team_name, str(t.team_id)) for t in screen.teams[:100]],
                ),
            )
        )
    blocks.append(
        InputBlock(
            block_id="text",
            label=LABELS[kind],
            element=PlainTextInputElement(action_id="value", multiline=True, max_length=MAX_TEXT),
        )
    )
    groups = [
        OptionGroup(label=label, options=[option(c.label, c.value) for c in choices[:100]])
        for label, choices in (("Measures", screen.measures), ("Change ideas", screen.ideas))
        if choices
    ]
    if groups:
        blocks.append(
            InputBlock(
                block_id="relates",
                label="Which measure or change idea it relates to",
                optional=True,
                element=StaticSelectElement(
                    action_id="value", option_groups=groups, placeholder="Choose one"
                ),
            )
        )
    blocks.append(
        InputBlock(
            block_id="picture",
            label="A picture (optional)",
            optional=True,
            hint="A run chart, a workflow, a poster. No patient information in the picture either.",
            element=FileInputElement(action_id="value", filetypes=PICTURE_TYPES, max_files=1),
        )
    )
    blocks.append(context(SAFETY_NET_NOTE))
    team_id = screen.teams[0].team_id if len(screen.teams) == 1 else None
    return View(
        type="modal",
        callback_id=CALLBACKS[kind],
        title=TITLES[kind],
        submit="Post",
        close="Cancel",
        private_metadata=PostRef(kind=kind, team_id=team_id).dump(),
        blocks=blocks,
    )


def read_form(values: dict[str, Any]) -> dict[str, Any]:
    """The submitted ``view.state.values``: text, team id, the related measure/idea, the picture."""
    team = (input_state(values, "team").get("selected_option") or {}).get("value")
    relates = (input_state(values, "relates").get("selected_option") or {}).get("value")
    files = input_state(values, "picture").get("files") or []
    picture = files[0] if files and isinstance(files[0], dict) else {}
    return {
        "text": clean(input_state(values, "text").get("value")),
        "team_id": int(team) if team and str(team).isdigit() else None,
        "relates": str(relates) if relates else None,
        "picture_id": str(picture["id"]) if picture.get("id") else None,
        "picture_type": str(picture.get("mimetype") or ""),
    }


def posted_view(sent: PostSent) -> View:
    where = (
        "in the peer channel"
        if not sent.waiting
        else "as soon as the peer channel is set up (your admin runs the channel sync)"
    )
    if sent.kind == SHARE:
        text = f":tada: Thank you for sharing! Your win for *{escape(sent.team_name)}* is posted {where}."
    else:
        text = (
            f":raising_hand: Your question for *{escape(sent.team_name)}* is posted {where}. "
            "Other teams answer in its thread; if nobody has after two days, faculty are told."
        )
    return notice_view(FRAMES[sent.kind], text, "Posted")


def peer_post(
    kind: str,
    user_id: str,
    team_name: str,
    text: str,
    relates: str | None,
    picture_id: str | None,
) -> Message:
    """The post in the peer channel: attributed to the person and their team, text escaped."""
    if kind == SHARE:
        head = f":tada: *A win from {escape(team_name)}*"
        fallback = f"A win from {escape(team_name)}"
    else:
        head = f":raising_hand: *{escape(team_name)} asks for help*"
        fallback = f"{escape(team_name)} asks for help"
    blocks: list[Block] = [section(f"{head}\n{escape(text)}")]
    if relates:
        blocks.append(context(f"Relates to: {escape(relates)}"))
    if picture_id:
        blocks.append(context(":frame_with_picture: Picture in the thread"))
    by = f"Posted by {mention(user_id)} for {escape(team_name)}"
    if kind == ASK:
        by += " · Reply in the thread to help"
    blocks.append(context(by))
    return message(fallback, blocks)


def picture_reply(team_name: str, picture_id: str) -> Message:
    """The post's picture, as a reply in its thread (a picture Slack cannot show never holds up the post)."""
    image = ImageBlock(slack_file=SlackFile(id=picture_id), alt_text=f"Picture from {team_name}")
    return message(f"Picture from {team_name}", [image])


def unanswered_ask(team_name: str, channel: str, ts: str, hours: int) -> Message:
    """The DM to faculty about an ask with no reply in its thread."""
    url = f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
    text = (
        f":wave: *{escape(team_name)}* asked for help in the peer channel {hours} hours ago and nobody "
        f"has replied yet. <{url}|Open the question> and reply, or ask a team that has done this to."
    )
    return message(f"{escape(team_name)}'s question has no reply yet", [section(text)])


def welcome(team_name: str | None, collaborative_name: str) -> Message:
    """The short DM to someone who joined the peer channel."""
    where = f" from *{escape(team_name)}*" if team_name else ""
    text = (
        f":wave: Welcome to the peer channel of *{escape(collaborative_name)}*{where}! All teach, all "
        "learn: `/collab share` posts a win, `/collab ask` asks the other teams for help. Please "
        "never post patient information."
    )
    return message(f"Welcome to the peer channel of {escape(collaborative_name)}", [section(text)])


def prompt(text: str) -> Message:
    """This week's prompt in the peer channel."""
    body = f":speech_balloon: *This week's question for every team*\n{escape(text)}"
    return message(
        f"This week's question: {escape(text)}",
        [section(body), context("Answer in the thread: all teach, all learn.")],
    )


def spotlight(team_name: str, why: str, leads: tuple[str, ...]) -> Message:
    """The spotlight on a team when the channel has been quiet: invited by name to tell how."""
    who = f" {' '.join(mention(u) for u in leads)}," if leads else ""
    body = (
        f":star2: *Spotlight: {escape(team_name)}*\nThis team is getting somewhere: {escape(why)}."
        f"{who} would you tell the other teams how you did it, in this thread? What did you change, "
        "and what would you tell a team starting out?"
    )
    return message(f"Spotlight: {escape(team_name)}", [section(body)])
