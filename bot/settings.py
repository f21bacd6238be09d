"""Configuration from the environment (pydantic-settings).

:class:`Settings` reads the environment itself (variable names in any case; others ignored). A
missing or malformed value stops the program with one clear line naming the variable and what to
put there (exit code 2, no traceback): see :func:`load_settings` and :class:`ConfigError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.exc import ArgumentError

from storage.db import backend_name, canonical_url

DEFAULT_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///collab.db"

HINTS: dict[str, str] = {
    "SLACK_BOT_TOKEN": "the bot token from your Slack app's OAuth page, starting with xoxb-",
    "SLACK_SIGNING_SECRET": "the signing secret from your Slack app's Basic Information page",
    "SLACK_APP_TOKEN": "an app-level token with connections:write, starting with xapp- (Socket Mode)",
    "SLACK_CLIENT_ID": "the Client ID from your Slack app's Basic Information page (OAuth, many workspaces)",
    "SLACK_CLIENT_SECRET": "the Client Secret from your Slack app's Basic Information page (OAuth)",
    "SLACK_API_URL": "the Slack Web API base URL, e.g. https://slack.com/api/",
    "DATABASE_URL": "a database URL such as sqlite:///collab.db or postgresql://user@host:5432/db",
    "PORT": "a TCP port number between 1 and 65535, e.g. 3000",
    "LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR",
    "WEB_CONCURRENCY": "the number of gunicorn worker processes for serve, e.g. 2",
    "GUNICORN_THREADS": "the number of threads per gunicorn worker, e.g. 8",
    "FEEDBACK_SECRET": "a long random string (e.g. from `openssl rand -hex 32`) that keys feedback hashes",
    "BACKGROUND_PROCESSES": "the number of background processes per serve worker, e.g. 1 (0: threads)",
}


class ConfigError(Exception):
    """A configuration problem, phrased for the person running the bot."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = DEFAULT_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    port: int = Field(default=3000, ge=1, le=65535)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    web_concurrency: int = Field(default=2, ge=1)
    gunicorn_threads: int = Field(default=8, ge=1)
    #: Keys the hash that keeps one anonymous feedback answer per person and event; defaults to the
    #: signing secret (then the client secret, then the app token).
    feedback_secret: str | None = None
    background_processes: int = Field(default=1, ge=0)

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_id",
        "slack_client_secret",
        "feedback_secret",
        mode="before",
    )
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value.strip() if isinstance(value, str) else value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xoxb-"):
            raise ValueError("must start with xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith("xapp-"):
            raise ValueError("must start with xapp-")
        return value

    @field_validator("slack_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        value = value.strip()
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value if value.endswith("/") else value + "/"

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = canonical_url(value.strip())
        try:
            backend = backend_name(value)
        except ArgumentError as exc:
            raise ValueError("is not a database URL") from exc
        if backend not in ("sqlite", "postgresql"):
            raise ValueError("must be a sqlite:// or postgresql:// URL")
        return value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def oauth(self) -> bool:
        """Installs in many workspaces: client ID and secret set, no single bot token."""
        return bool(self.slack_client_id and self.slack_client_secret and not self.slack_bot_token)

    @property
    def feedback_key(self) -> bytes | None:
        """The key of feedback hashes: ``FEEDBACK_SECRET``, else the first Slack secret that is set.

        Changing it (or the secret it falls back to) means earlier anonymous answers are no longer
        recognised as the same person's, so set ``FEEDBACK_SECRET`` before rotating Slack secrets."""
        for secret in (
            self.feedback_secret,
            self.slack_signing_secret,
            self.slack_client_secret,
            self.slack_app_token,
        ):
            if secret:
                return secret.encode()
        return None

    @property
    def oauth_authorize_url(self) -> str:
        """Slack's install page on the Web API's host (``…/api/`` → ``…/oauth/v2/authorize``; GovSlack)."""
        if self.slack_api_url.endswith("/api/"):
            return self.slack_api_url.removesuffix("api/") + "oauth/v2/authorize"
        return "https://slack.com/oauth/v2/authorize"

    def require_slack(self) -> None:
        """Slack credentials for one workspace (``SLACK_BOT_TOKEN``) or for many (OAuth: the client ID
        and secret), not both; ConfigError naming what to set otherwise."""
        client_id, secret = self.slack_client_id, self.slack_client_secret
        if (client_id is None) != (secret is None):
            missing = "SLACK_CLIENT_SECRET" if secret is None else "SLACK_CLIENT_ID"
            raise ConfigError(f"{missing} is not set: set it to {HINTS[missing]}; OAuth needs both.")
        if client_id is None:
            self.require("SLACK_BOT_TOKEN")
        elif self.slack_bot_token is not None:
            raise ConfigError(
                "SLACK_BOT_TOKEN and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: set the bot token "
                "for one workspace, or the client ID and secret for installs in many workspaces, not both."
            )
        elif self.socket_mode:
            raise ConfigError(
                "SLACK_APP_TOKEN (Socket Mode) and SLACK_CLIENT_ID/SLACK_CLIENT_SECRET are both set: "
                "installs in many workspaces are served over HTTP, so unset SLACK_APP_TOKEN."
            )

    def require(self, *names: str) -> None:
        """Raise ConfigError for the first of ``names`` (env var names) that is not set."""
        for name in names:
            if getattr(self, name.lower()) is None:
                raise ConfigError(f"{name} is not set: set it to {HINTS[name]}.")


def _only(environ: Mapping[str, str]) -> dict[str, Any]:
    """Every field from ``environ`` (names in any case) or its default, so none is read elsewhere."""
    given = {name.lower(): value for name, value in environ.items()}
    return {name: given.get(name, field.default) for name, field in Settings.model_fields.items()}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings from the process environment, or from ``environ`` alone when it is given (tests).

    A validation error becomes one :class:`ConfigError` line naming the variable.
    """
    try:
        return Settings() if environ is None else Settings(**_only(environ))
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "configuration"
        reason = str(first.get("msg", "is invalid")).removeprefix("Value error, ")
        raise ConfigError(
            f"{name} is not valid ({reason}): set it to {HINTS.get(name, 'a valid value')}."
        ) from None
