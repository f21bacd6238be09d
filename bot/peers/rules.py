"""Pure rules of the peer channel: who to invite and remove, in batches; what Slack's refusals mean;
how a sync is described."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

#: ``conversations.invite`` takes at most this many users a call.
INVITE_BATCH = 1000

#: Slack's ``conversations.create`` refusals of a name, in plain words.
NAME_RULES: dict[str, str] = {
    "invalid_name_required": "a channel needs a name",
    "invalid_name_maxlength": "a channel name can have at most 80 characters",
    "invalid_name_specials": "a channel name can only have lowercase letters, digits, '-' and '_' "
    "(no spaces, capitals or other signs)",
    "invalid_name_punctuation": "a channel name cannot be only hyphens and underscores",
    "invalid_name": "Slack does not accept this channel name (use lowercase letters, digits, '-' and '_')",
}


@dataclass(frozen=True)
class MemberPlan:
    invite: tuple[str, ...]
    remove: tuple[str, ...]


def plan_members(
    wanted: Iterable[str], dropped: Iterable[str], current: Iterable[str], bot_user: str | None
) -> MemberPlan:
    """Invite the wanted people not in the channel; remove the people dropped from the file who are
    still in it. Anyone else in the channel (and the bot) is left alone. Sorted, so runs repeat."""
    here = set(current)
    skip = {bot_user} if bot_user else set()
    invite = sorted(set(wanted) - here - skip)
    remove = sorted((set(dropped) & here) - skip - set(wanted))
    return MemberPlan(tuple(invite), tuple(remove))


def batches(users: Sequence[str], size: int = INVITE_BATCH) -> list[list[str]]:
    return [list(users[i : i + size]) for i in range(0, len(users), size)]


def name_refused(name: str, code: str) -> str:
    """The error for a channel name Slack refused with ``code``."""
    rule = NAME_RULES.get(code, f"Slack refused it ({code})")
    return (
        f"the peer channel name #{name} was refused: {rule}. Change `name` under `peer_channels` in the file."
    )


def name_taken(name: str) -> str:
    return (
        f"#{name} already exists and was not created by the bot, so it is not used. To use that channel, "
        "give its `id` under `peer_channels` in the file instead of `name` (channel details in Slack show "
        "the id, e.g. C0123ABCD); or choose another name."
    )


def archived(name: str) -> str:
    return (
        f"the peer channel #{name} is archived: unarchive it in Slack (channel settings), or give a new "
        "`name` under `peer_channels` in the file for a new channel."
    )


def not_invited(channel_id: str) -> str:
    return (
        f"the bot cannot see the peer channel {channel_id}: if it is private, open it in Slack and "
        "type `/invite @collab-bot`, then run `collab-bot channels sync` again; otherwise check the `id`."
    )


def describe_sync(
    name: str,
    *,
    created: bool = False,
    joined: bool = False,
    invited: int = 0,
    removed: int = 0,
    topic: bool = False,
    purpose: bool = False,
    released: int = 0,
) -> str:
    """One line, e.g. ``created #htn-peer-sharing, invited 14, removed 1``; or ``… in sync``."""
    parts: list[str] = []
    if created:
        parts.append(f"created #{name}")
    elif joined:
        parts.append(f"joined #{name}")
    else:
        parts.append(f"#{name}")
    if invited:
        parts.append(f"invited {invited}")
    if removed:
        parts.append(f"removed {removed}")
    if topic and purpose:
        parts.append("set topic and purpose")
    elif topic:
        parts.append("set topic")
    elif purpose:
        parts.append("set purpose")
    if released:
        parts.append(f"sent {released} held post{'' if released == 1 else 's'}")
    if len(parts) == 1 and not (created or joined):
        return f"#{name}: in sync, nothing to change"
    return ", ".join(parts)


# -- weekly prompts ----------------------------------------------------------------------------------


def phase_of(today: date, first_session: date | None, end: date) -> str:
    """``before`` the first learning session, ``closing`` in the last three months, else ``action``."""
    if today > end - relativedelta(months=3):
        return "closing"
    if first_session is not None and today < first_session:
        return "before"
    return "action"


def next_prompt(candidates: Sequence[str], used: Sequence[str]) -> str | None:
    """The first candidate never used; when all were, the one used least (and longest ago)."""
    if not candidates:
        return None
    counts = Counter(used)
    last_use = {prompt: i for i, prompt in enumerate(used)}
    return min(candidates, key=lambda p: (counts[p], last_use.get(p, -1), candidates.index(p)))


def spotlight_pick(candidates: Sequence[str], spotlighted: Sequence[str]) -> str | None:
    """A candidate team (in order of preference) not spotlighted before, else the one spotlighted
    longest ago."""
    return next_prompt(candidates, spotlighted)
