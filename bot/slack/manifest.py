"""The Slack app manifest: every slash command, scope, bot event, interactivity and the Home tab.

Least privilege: the bot asks only for the scopes its code uses (:data:`SCOPE_REASONS`, which
README lists with the same reasons): nothing to read direct or group messages (``mpim:write`` only
opens the buddy teams' group message), and only the peer channels' scopes for private channels
(``groups:*``) and public ones named by id (``channels:*``).
With OAuth (installs in many workspaces) the manifest carries the redirect URL.
"""

from __future__ import annotations

from typing import Any

import yaml

SLASH_COMMANDS = [
    ("/measures", "Report your team's monthly measures", "[YYYY-MM]"),
    ("/pdsa", "Plan or update a PDSA cycle (test of change)", ""),
    (
        "/collab",
        "Learning collaborative help, digest preview and more",
        "help | status | share | ask | digest | prep | score | feedback",
    ),
]
#: Global shortcuts (the lightning menu): (callback id, name, description).
SHORTCUTS = [
    ("peer_share_shortcut", "Share a win", "Tell the other teams what worked"),
    ("peer_ask_shortcut", "Ask for help", "Ask the other teams for help"),
]
#: Each bot scope, with the Web API methods (and reason) that need it.
SCOPE_REASONS: dict[str, str] = {
    "commands": "the slash commands `/measures`, `/pdsa` and `/collab`",
    "chat:write": "`chat.postMessage`, `chat.postEphemeral`, `chat.update`: reminders, cards, the digest, "
    "confirmations and direct messages (posted to a user ID), and RSVP counts",
    "chat:write.public": "`chat.postMessage` to the team, digest and peer channels named in the "
    "collaborative file without inviting the bot to each public channel first",
    "groups:write": "`conversations.create` (private), `conversations.invite`, `conversations.kick`, "
    "`conversations.setTopic`, `conversations.setPurpose`: create the private peer-sharing channel and "
    "keep its members in step with the file",
    "groups:read": "`conversations.info`, `conversations.members`: see the private peer channel and who "
    "is in it; the `member_joined_channel` event there (a welcome DM)",
    "groups:history": "the `message.groups` event: posts and replies in the private peer channel are "
    "counted (never stored or logged); `conversations.replies`: whether a question there has a reply "
    "(flagged to faculty after 48 hours without one); checking the channel before re-sending a message "
    "whose first attempt may have gone through",
    "channels:read": "`conversations.info`, `conversations.members`: the same for a public peer channel "
    "the file names by `id`",
    "channels:join": "`conversations.join`: join that public peer channel",
    "channels:manage": "`conversations.invite`, `conversations.kick`, `conversations.setTopic`, "
    "`conversations.setPurpose` in that public peer channel",
    "channels:history": "`message.channels` and `conversations.replies` in that public peer channel (as "
    "`groups:history`); messages of any other public channel the bot is in are dropped on arrival",
    "mpim:write": "`conversations.open` with several users: the group direct message that introduces "
    "two buddy teams' leads (a message to one person needs no scope beyond `chat:write`; this one must "
    "reach both teams' leads together, so they can talk there)",
    "files:write": "`files.getUploadURLExternal`, `files.completeUploadExternal`: run chart pictures in "
    "the team and digest channels",
}
BOT_SCOPES = list(SCOPE_REASONS)
#: Events the bot listens to; none of them carries message text.
#: ``message.groups`` / ``message.channels`` are counted in the peer channel only (others are
#: dropped on arrival; no text is stored or logged); nothing from direct or group messages (no
#: ``message.im`` / ``message.mpim``).
BOT_EVENTS = [
    "app_home_opened",
    "app_uninstalled",
    "tokens_revoked",
    "message.groups",
    "message.channels",
    "member_joined_channel",
]
REDIRECT_PATH = "/slack/oauth_redirect"
INSTALL_PATH = "/slack/install"


def build_manifest(socket_mode: bool = False, url: str | None = None, oauth: bool = False) -> dict[str, Any]:
    base = (url or "https://YOUR-BOT-HOST").rstrip("/")
    events_url = f"{base}/slack/events"
    commands: list[dict[str, Any]] = []
    for command, description, hint in SLASH_COMMANDS:
        entry: dict[str, Any] = {"command": command, "description": description, "should_escape": False}
        if hint:
            entry["usage_hint"] = hint
        if not socket_mode:
            entry["url"] = events_url
        commands.append(entry)
    settings: dict[str, Any] = {
        "event_subscriptions": {"bot_events": BOT_EVENTS},
        "interactivity": {"is_enabled": True},
        "org_deploy_enabled": False,
        "socket_mode_enabled": socket_mode,
        "token_rotation_enabled": False,
    }
    if not socket_mode:
        settings["event_subscriptions"]["request_url"] = events_url
        settings["interactivity"]["request_url"] = events_url
    oauth_config: dict[str, Any] = {"scopes": {"bot": BOT_SCOPES}}
    if oauth and not socket_mode:
        oauth_config = {"redirect_urls": [f"{base}{REDIRECT_PATH}"], **oauth_config}
    return {
        "display_information": {
            "name": "Learning Collaborative",
            "description": "Monthly measures, PDSA cycles, reminders and digests for QI collaboratives",
            "background_color": "#1d4f73",
        },
        "features": {
            "app_home": {
                "home_tab_enabled": True,
                "messages_tab_enabled": True,
                "messages_tab_read_only_enabled": False,
            },
            "bot_user": {"display_name": "collab-bot", "always_online": True},
            "slash_commands": commands,
            "shortcuts": [
                {"name": name, "type": "global", "callback_id": callback, "description": description}
                for callback, name, description in SHORTCUTS
            ],
        },
        "oauth_config": oauth_config,
        "settings": settings,
    }


def manifest_yaml(socket_mode: bool = False, url: str | None = None, oauth: bool = False) -> str:
    return yaml.safe_dump(build_manifest(socket_mode, url, oauth), sort_keys=False)
