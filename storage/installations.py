"""Slack installations for many workspaces (OAuth), kept in our database with slack_sdk's stores.

slack_sdk's ``SQLAlchemyInstallationStore`` and ``SQLAlchemyOAuthStateStore`` own three tables
(``slack_installations``, ``slack_bots``, ``slack_oauth_states``). Our Alembic migration creates
them (never the stores' ``create_tables``); :data:`SLACK_METADATA` describes them as the stores
build them, so a test can check the migration against the installed slack_sdk.

Bot tokens live only in these tables; they are never logged or exported.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, MetaData, select

INSTALLATIONS_TABLE = "slack_installations"
BOTS_TABLE = "slack_bots"
STATES_TABLE = "slack_oauth_states"
#: How long an install link (its OAuth ``state``) stays valid.
STATE_EXPIRATION_SECONDS = 600

SLACK_METADATA = MetaData()
SQLAlchemyInstallationStore.build_installations_table(SLACK_METADATA, INSTALLATIONS_TABLE)
SQLAlchemyInstallationStore.build_bots_table(SLACK_METADATA, BOTS_TABLE)
SQLAlchemyOAuthStateStore.build_oauth_states_table(SLACK_METADATA, STATES_TABLE)


def installation_store(engine: Engine, client_id: str) -> SQLAlchemyInstallationStore:
    return SQLAlchemyInstallationStore(
        client_id=client_id,
        engine=engine,
        bots_table_name=BOTS_TABLE,
        installations_table_name=INSTALLATIONS_TABLE,
    )


def state_store(engine: Engine) -> SQLAlchemyOAuthStateStore:
    return SQLAlchemyOAuthStateStore(
        expiration_seconds=STATE_EXPIRATION_SECONDS, engine=engine, table_name=STATES_TABLE
    )


def installed_team_ids(engine: Engine) -> list[str]:
    """Workspaces (and org-wide installs, by enterprise id) with a stored bot token."""
    bots = SLACK_METADATA.tables[BOTS_TABLE]
    query = select(bots.c.team_id, bots.c.enterprise_id).where(bots.c.bot_token.is_not(None))
    with engine.connect() as conn:
        return sorted({team or enterprise for team, enterprise in conn.execute(query) if team or enterprise})
