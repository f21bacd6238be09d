"""The test kit's fixed identities, defined once: the workspace, the app and its secrets, and the
people and channels of ``examples/collaborative.yaml`` (plus the few that tests add)."""

from __future__ import annotations

# The workspace and the app
TEAM_ID = "T0TEST0001"
TEAM_DOMAIN = "test-workspace"
API_APP_ID = "A0TEST0001"
BOT_USER_ID = "U0BOT00001"
BOT_ID = "B0BOT00001"
BOT_TOKEN = "xoxb-test-token"
SIGNING_SECRET = "test-signing-secret"

# People in the example collaborative
ALICE = "U0ALICE001"  # riverside lead
ARJUN = "U0ARJUN001"  # riverside member
BRUNO = "U0BRUNO001"  # eastside lead
DIEGO = "U0DIEGO001"  # valle-verde lead
ELENA = "U0ELENA001"  # valle-verde lead
IRENE = "U0IRENE001"  # harbor-street lead
KEIKO = "U0KEIKO001"  # mission-hills lead
NADIA = "U0NADIA001"  # sierra-vista lead
PRIYA = "U0PRIYA001"  # lakeview lead
SAMIR = "U0SAMIR001"  # north-county lead
FACULTY = "U0MREYES01"  # faculty (the first of three)
ADMIN = "U0ADMIN001"  # admin
NOBODY = "U0NOBODY01"  # on no team, not faculty

# Channels in the example collaborative
RIVER = "C0RIVER001"  # riverside's team channel
EAST = "C0EASTS001"  # eastside
VALLE = "C0VALLE001"  # valle-verde
HARBOR = "C0HARBR001"  # harbor-street
MISSION = "C0MISSN001"  # mission-hills
SIERRA = "C0SIERR001"  # sierra-vista
LAKEVIEW = "C0LAKEV001"  # lakeview
NORTH = "C0NORTH001"  # north-county
DIGEST_CHANNEL = "C0FACDIG01"  # the faculty digest channel
PEERS = "C0PEERS001"  # a peer-sharing channel tests create

ALL_FACULTY = frozenset({FACULTY, "U0DCHEN002", "U0PSHAH003"})
TEAM_CHANNELS = {
    "riverside": RIVER,
    "eastside": EAST,
    "valle-verde": VALLE,
    "harbor-street": HARBOR,
    "mission-hills": MISSION,
    "sierra-vista": SIERRA,
    "lakeview": LAKEVIEW,
    "north-county": NORTH,
}
TEAM_LEADS = {
    "riverside": frozenset({ALICE}),
    "eastside": frozenset({BRUNO}),
    "valle-verde": frozenset({DIEGO, ELENA}),
    "harbor-street": frozenset({IRENE}),
    "mission-hills": frozenset({KEIKO}),
    "sierra-vista": frozenset({NADIA}),
    "lakeview": frozenset({PRIYA}),
    "north-county": frozenset({SAMIR}),
}
