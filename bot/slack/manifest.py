"""The Slack app manifest: every slash command, scope, bot event, interactivity and the Home tab."""

from __future__ import annotations

from typing import Any

import yaml

SLASH_COMMANDS = [
    ("/measures", "Report your team's monthly measures", "[YYYY-MM]"),
    ("/pdsa", "Plan or update a PDSA cycle (test of change)", ""),
    ("/collab", "Learning collaborative help, digest preview and more", "help | digest"),
]
BOT_SCOPES = [
    "commands",
    "chat:write",
    "chat:write.public",
    "channels:manage",
    "channels:read",
    "channels:join",
    "channels:history",
    "groups:read",
    "groups:history",
    "im:write",
    "im:history",
    "users:read",
    "files:write",
]
BOT_EVENTS = ["app_home_opened", "member_joined_channel", "message.channels", "message.groups", "message.im"]


def build_manifest(socket_mode: bool = False, url: str | None = None) -> dict[str, Any]:
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
        },
        "oauth_config": {"scopes": {"bot": BOT_SCOPES}},
        "settings": settings,
    }


def manifest_yaml(socket_mode: bool = False, url: str | None = None) -> str:
    return yaml.safe_dump(build_manifest(socket_mode, url), sort_keys=False)
