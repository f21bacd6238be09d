"""Settings come from the environment through pydantic-settings; a given mapping is used alone."""

from __future__ import annotations

import pytest

from bot.settings import ConfigError, load_settings


def test_the_process_environment_is_read_by_pydantic_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://bot@db.example.org:5432/collab")
    monkeypatch.setenv("web_concurrency", "3")
    monkeypatch.setenv("GUNICORN_THREADS", "4")
    settings = load_settings()
    assert settings.database_url == "postgresql://bot@db.example.org:5432/collab"
    assert (settings.web_concurrency, settings.gunicorn_threads) == (3, 4)


def test_a_given_environment_is_used_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-from-the-shell")
    monkeypatch.setenv("PORT", "4000")
    settings = load_settings({"SLACK_BOT_TOKEN": "xoxb-given"})
    assert settings.slack_bot_token == "xoxb-given"
    assert settings.slack_app_token is None and not settings.socket_mode
    assert (settings.port, settings.web_concurrency, settings.gunicorn_threads) == (3000, 2, 8)


def test_a_bad_gunicorn_setting_is_one_clear_line() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"WEB_CONCURRENCY": "many"})
    assert str(caught.value).startswith("WEB_CONCURRENCY is not valid (")
    assert str(caught.value).endswith("set it to the number of gunicorn worker processes for serve, e.g. 2.")


def test_oauth_needs_the_client_id_and_secret_and_no_bot_token() -> None:
    oauth = load_settings({"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "s"})
    assert oauth.oauth and oauth.oauth_authorize_url == "https://slack.com/oauth/v2/authorize"
    oauth.require_slack()
    both = {"SLACK_CLIENT_ID": "1", "SLACK_CLIENT_SECRET": "s"}
    gov = load_settings({**both, "SLACK_API_URL": "https://slack-gov.com/api"})
    assert gov.oauth_authorize_url == "https://slack-gov.com/oauth/v2/authorize"
    single = load_settings({"SLACK_BOT_TOKEN": "xoxb-one"})
    assert not single.oauth
    single.require_slack()
    problems = {
        "SLACK_CLIENT_SECRET is not set": {"SLACK_CLIENT_ID": "1111.2222"},
        "SLACK_CLIENT_ID is not set": {"SLACK_CLIENT_SECRET": "s"},
        "are both set: set the bot token": {**both, "SLACK_BOT_TOKEN": "xoxb-x"},
        "unset SLACK_APP_TOKEN": {**both, "SLACK_APP_TOKEN": "xapp-1"},
        "SLACK_BOT_TOKEN is not set": {},
    }
    for needle, env in problems.items():
        with pytest.raises(ConfigError) as caught:
            load_settings(env).require_slack()
        assert needle in str(caught.value) and "\n" not in str(caught.value)
