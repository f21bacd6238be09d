"""``collab-bot``: the command line for running, loading, exporting and operating the bot."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import date, datetime

from sqlalchemy.exc import SQLAlchemyError

from bot.database_errors import database_problem
from bot.ops.logs import protect, settings_secrets
from bot.ops.preflight import Needs, Unusable, check_database, output_folder, write_problem
from bot.settings import ConfigError, Settings, load_settings
from storage.enums import DeliveryStatus

NO_TOKENS = (
    "Slack is not configured: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN for "
    "Socket Mode, or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for installs in many workspaces); "
    "`collab-bot manifest` prints the app to create.\n"
    "To try the bot without Slack, run `collab-bot demo`."
)


def _configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    quiet_sensitive_loggers(settings.log_level)
    protect(settings_secrets(settings))


#: Bolt and slack_sdk log request bodies (free text that may carry patient information) at
#: INFO/DEBUG, so they are held at WARNING whatever LOG_LEVEL says.
SENSITIVE_LOGGERS = ("slack_bolt", "slack_sdk")


def quiet_sensitive_loggers(level: str) -> None:
    for name in SENSITIVE_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)
    # Bolt's own "unhandled request" warnings quote the payload; keep only real errors.
    logging.getLogger("slack_bolt.App").setLevel(logging.ERROR)
    if level != "DEBUG":
        for noisy in ("alembic", "apscheduler"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


def _require_slack(settings: Settings) -> None:
    if not (settings.slack_bot_token or settings.slack_app_token or settings.slack_client_id):
        raise ConfigError(NO_TOKENS)
    settings.require_slack()


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.server import run_all_in_one

    _require_slack(settings)
    return run_all_in_one(settings)


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.server import serve_http

    _require_slack(settings)
    settings.require("SLACK_SIGNING_SECRET")
    return serve_http(settings, port=args.port or settings.port, workers=args.workers)


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from jobs.clock import run_clock

    return run_clock(settings)


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    print("Database is up to date.")
    return 0


def cmd_load(args: argparse.Namespace, settings: Settings) -> int:
    from bot.collaborative.loading import load_collaborative_file

    return load_collaborative_file(settings, args.file)


def cmd_channels_sync(args: argparse.Namespace, settings: Settings) -> int:
    from bot.peers.command import run_channels_sync

    return run_channels_sync(settings, args.collaborative)


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.history.command import run_import

    return run_import(settings, args.collaborative, args.file)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.export import export_all

    folder = output_folder(args.out)
    try:
        written = export_all(settings, args.format, folder, as_of=args.as_of)
    except OSError as exc:
        raise write_problem(folder, exc) from None
    for path in written:
        print(path)
    return 0


def cmd_purge(args: argparse.Namespace, settings: Settings) -> int:
    from bot.feedback.purge import run_purge

    return run_purge(settings, args.before, args.collaborative, args.yes)


def cmd_jobs_list(args: argparse.Namespace, settings: Settings) -> int:
    from jobs.runner import list_jobs

    return list_jobs(settings)


def cmd_jobs_run(args: argparse.Namespace, settings: Settings) -> int:
    from jobs.runner import run_job_by_name

    return run_job_by_name(settings, args.name, args.as_of, dry_run=args.dry_run)


def cmd_deliveries_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.ledger_admin import list_deliveries

    return list_deliveries(settings, args.status)


def cmd_deliveries_retry(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.ledger_admin import retry_deliveries

    return retry_deliveries(settings, args.keys, all_dead=args.all_dead)


def cmd_manifest(args: argparse.Namespace, settings: Settings) -> int:
    from bot.slack.manifest import manifest_yaml

    print(manifest_yaml(socket_mode=args.socket, url=args.url, oauth=settings.oauth), end="")
    return 0


def cmd_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.collaborative.demo import run_demo

    folder = output_folder(args.out)
    try:
        return run_demo(folder)
    except OSError as exc:
        raise write_problem(folder, exc) from None


def iso_datetime(value: str) -> str:
    """``--as-of``: checked when the arguments are read, before anything else (argparse exits 2)."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not an ISO date-time: write year-month-day and 24-hour time, e.g. 2026-04-10T09:00"
        ) from None
    return value


def iso_date(value: str) -> date:
    """``--before``: a calendar date (argparse exits 2 on anything else)."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a date: write year-month-day, e.g. 2026-12-31"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="collab-bot",
        description="A Slack bot that runs healthcare quality-improvement learning collaboratives.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(
        name: str,
        fn: Callable[[argparse.Namespace, Settings], int],
        help_text: str,
        needs: Needs = Needs.EXISTING,
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=fn, needs=needs)
        return p

    add(
        "run",
        cmd_run,
        "run the whole bot in one process (Socket Mode if SLACK_APP_TOKEN is set, else HTTP)",
        Needs.MIGRATES,
    )
    serve = add(
        "serve", cmd_serve, "run the production HTTP server (gunicorn) on --port or $PORT", Needs.MIGRATES
    )
    serve.add_argument("--port", type=int, default=None, help="TCP port (default: $PORT, 3000)")
    serve.add_argument("--workers", type=int, default=None, help="gunicorn worker processes (default 2)")
    scheduler = add(
        "scheduler", cmd_scheduler, "run the clock process that sends scheduled messages", Needs.MIGRATES
    )
    scheduler.set_defaults(migrates_itself=True)

    db = sub.add_parser("db", help="database maintenance", description="Database maintenance.")
    db_sub = db.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    upgrade_help = "create or migrate the database ($DATABASE_URL) to the newest schema"
    upgrade = db_sub.add_parser("upgrade", help=upgrade_help, description=upgrade_help)
    upgrade.set_defaults(func=cmd_db_upgrade, needs=Needs.CREATES)

    load = add("load", cmd_load, "load (or reload) a collaborative definition file", Needs.MIGRATES)
    load.add_argument("file", help="path to the collaborative YAML file")

    channels = sub.add_parser(
        "channels",
        help="set up the peer-sharing channels",
        description="Set up the peer-sharing channels named in the collaborative files.",
    )
    channels_sub = channels.add_subparsers(dest="channels_command", metavar="ACTION", required=True)
    sync_help = (
        "create each peer channel (private), set its topic and purpose, invite every team member and "
        "the faculty, remove people dropped from the file; safe to repeat"
    )
    channels_sync = channels_sub.add_parser("sync", help=sync_help, description=sync_help)
    channels_sync.add_argument("--collaborative", default=None, metavar="KEY", help="only this collaborative")
    channels_sync.set_defaults(func=cmd_channels_sync, needs=Needs.EXISTING)

    history = add(
        "import",
        cmd_import,
        "import monthly measure values (baselines too) from a CSV or .xlsx file; all or nothing",
        Needs.MIGRATES,
    )
    history.add_argument("--collaborative", required=True, metavar="KEY", help="the collaborative's key")
    history.add_argument(
        "file", help="CSV or .xlsx with columns team, measure, period, numerator, denominator, value"
    )

    export = add("export", cmd_export, "export every table to CSV files or one Excel workbook")
    export.add_argument(
        "--format",
        choices=("csv", "xlsx"),
        default="csv",
        help="csv: one file per table (default); xlsx: one workbook",
    )
    export.add_argument("--out", default="export", help="output folder (default ./export)")
    export.add_argument(
        "--as-of",
        default=None,
        type=iso_datetime,
        help="ISO date or date-time the evaluation table counts to and the signals table is judged at "
        "(its last complete month), in each collaborative's timezone (default: now)",
    )

    purge = add(
        "purge",
        cmd_purge,
        "remove the free text of feedback answers to calls before a date (scores stay); asks first",
    )
    purge.add_argument("--before", required=True, type=iso_date, metavar="DATE", help="YYYY-MM-DD")
    purge.add_argument("--collaborative", default=None, metavar="KEY", help="only this collaborative")
    purge.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    jobs = sub.add_parser(
        "jobs", help="list or run scheduled jobs", description="List or run scheduled jobs."
    )
    jobs_sub = jobs.add_subparsers(dest="jobs_command", metavar="ACTION", required=True)
    list_help = "show every job's next run and the upcoming calls"
    jobs_list = jobs_sub.add_parser("list", help=list_help, description=list_help)
    jobs_list.set_defaults(func=cmd_jobs_list, needs=Needs.EXISTING)
    run_help = "run one job now, or as if at --as-of; safe to repeat (nothing is sent twice)"
    jobs_run = jobs_sub.add_parser("run", help=run_help, description=run_help)
    jobs_run.add_argument(
        "name", help="job name, e.g. report-reminders (`collab-bot jobs list` shows them all)"
    )
    jobs_run.add_argument(
        "--as-of",
        default=None,
        type=iso_datetime,
        help="ISO date-time, taken in the collaborative's timezone (default: now)",
    )
    jobs_run.add_argument(
        "--dry-run",
        action="store_true",
        help="print every message it would send (channel and text); send and record nothing, no token needed",
    )
    jobs_run.set_defaults(func=cmd_jobs_run, needs=Needs.EXISTING)

    deliveries = sub.add_parser(
        "deliveries",
        help="list or retry messages in the delivery ledger",
        description="List or retry messages in the delivery ledger.",
    )
    deliveries_sub = deliveries.add_subparsers(dest="deliveries_command", metavar="ACTION", required=True)
    list_help = "list the messages not sent (or with --status, those in that state)"
    deliveries_list = deliveries_sub.add_parser("list", help=list_help, description=list_help)
    deliveries_list.add_argument(
        "--status",
        action="append",
        choices=[s.value for s in DeliveryStatus],
        help="dead, unknown, pending, sending or sent (repeatable; default: all but sent)",
    )
    deliveries_list.set_defaults(func=cmd_deliveries_list, needs=Needs.EXISTING)
    retry_help = "put dead, unknown or pending messages back to pending and send them now"
    deliveries_retry = deliveries_sub.add_parser("retry", help=retry_help, description=retry_help)
    deliveries_retry.add_argument(
        "keys", nargs="*", metavar="KEY", help="ledger keys (from `deliveries list`)"
    )
    deliveries_retry.add_argument("--all-dead", action="store_true", help="retry every dead message")
    deliveries_retry.set_defaults(func=cmd_deliveries_retry, needs=Needs.EXISTING)

    manifest = add(
        "manifest", cmd_manifest, "print the Slack app manifest (YAML) to create the app from", Needs.NOTHING
    )
    manifest.add_argument("--socket", action="store_true", help="a Socket Mode app (no public URL)")
    manifest.add_argument("--url", default=None, help="public base URL, e.g. https://bot.example.org")

    demo = add(
        "demo",
        cmd_demo,
        "seed a demo collaborative and write the faculty digest, no Slack needed",
        Needs.NOTHING,
    )
    demo.add_argument("--out", default="demo-out", help="output folder (default ./demo-out)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings()
        _configure_logging(settings)
        check_database(
            settings.database_url, args.needs, migrates_itself=getattr(args, "migrates_itself", False)
        )
        return int(args.func(args, settings))
    except ConfigError as exc:
        print(f"collab-bot: {exc}", file=sys.stderr)
        return 2
    except Unusable as exc:
        print(f"collab-bot: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"collab-bot: {database_problem(exc, settings.database_url)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
