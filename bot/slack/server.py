"""Process entry points: the gunicorn HTTP server and the all-in-one ``run`` (HTTP or Socket Mode)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.settings import Settings
from bot.slack.app import build_context, create_app
from bot.slack.web import WsgiApp, create_wsgi_app
from bot.workspaces import adopt_collaboratives
from storage.db import backend_name
from storage.migrate import upgrade

log = logging.getLogger(__name__)


def prepare_database(settings: Settings) -> None:
    """An embedded SQLite database is created or migrated on start; PostgreSQL uses `db upgrade`."""
    if backend_name(settings.database_url) == "sqlite":
        upgrade(settings.database_url)


def build_wsgi(
    settings: Settings, on_start: Callable[[Any], None] | None = None, background_processes: int = 0
) -> WsgiApp:
    ctx = build_context(settings)
    if background_processes:
        from bot.slack.background import ProcessBackground, ThreadBackground

        background = ProcessBackground(background_processes, ThreadBackground(ctx))
        background.start()
        ctx.use_background(background)
    app = create_app(ctx)
    adopt_collaboratives(ctx)
    if on_start is not None:
        on_start(ctx)
    return create_wsgi_app(app, ctx.db)


class GunicornServer(BaseApplication):  # type: ignore[misc]
    """Gunicorn with threaded workers; each worker builds its own app after the fork."""

    def __init__(self, factory: Callable[[], WsgiApp], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> WsgiApp:
        return self._factory()


def _gunicorn_options(port: int, workers: int, threads: int) -> dict[str, Any]:
    return {
        "bind": f"0.0.0.0:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 30,
        "graceful_timeout": 10,
        "accesslog": "-",
        "access_log_format": '%(h)s "%(r)s" %(s)s %(b)s %(L)ss',
    }


def serve_http(settings: Settings, port: int, workers: int | None = None) -> int:
    prepare_database(settings)
    count = workers or settings.web_concurrency
    log.info("serving POST /slack/events and GET /healthz on port %s with %s workers", port, count)
    options = _gunicorn_options(port, count, settings.gunicorn_threads)
    processes = settings.background_processes
    GunicornServer(lambda: build_wsgi(settings, background_processes=processes), options).run()
    return 0


def run_all_in_one(settings: Settings) -> int:
    from jobs.clock import refuse_if_clock_running, start_background_clock

    prepare_database(settings)
    refuse_if_clock_running(settings.database_url)
    if settings.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        ctx = build_context(settings)
        app = create_app(ctx)
        adopt_collaboratives(ctx)
        start_background_clock(ctx)
        log.info("connecting to Slack in Socket Mode")
        SocketModeHandler(app, settings.slack_app_token).start()
        return 0
    settings.require("SLACK_SIGNING_SECRET")
    log.info("serving HTTP on port %s with the scheduler in the same process", settings.port)
    options = _gunicorn_options(settings.port, 1, settings.gunicorn_threads)
    GunicornServer(lambda: build_wsgi(settings, on_start=start_background_clock), options).run()
    return 0
