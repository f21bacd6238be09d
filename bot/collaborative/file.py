"""The collaborative definition file (YAML): parsing, validation and call expansion.

An admin describes a learning collaborative in one YAML file (see ``examples/collaborative.yaml``):
its dates and timezone, faculty, teams, measures, peer channels and calls. This module turns the
file into a :class:`CollaborativeSpec` or raises :class:`CollabFileError` listing *every* problem
with its path, e.g. ``teams[2].members[0]: 'bob' is not a Slack user ID``.

Conventions worth knowing:

* Unknown keys are problems (they are usually typos); the message lists the allowed keys.
* Team leads are members automatically: ``Team.members`` always includes ``Team.leads``.
* Rate measures must give a ``multiplier`` (e.g. 1000 for "per 1,000 visits"); it is not defaulted.
* Proportion goals and baselines are fractions (0.70, not 70).
* Call ``start`` is a naive wall-clock time in the collaborative's timezone, so a noon call stays
  at noon across daylight-saving changes. A recurring call (``rrule``) must start on one of its own
  occurrences; a rule without COUNT or UNTIL runs until the collaborative ends.
* Duplicate keys in a YAML mapping are reported (plain PyYAML silently keeps the last one).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import os
import re
import types
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Annotated, Any, Literal, Union, get_args, get_origin
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from dateutil.rrule import rrule, rrulestr
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

from bot.months import day_in_following_month

__all__ = [
    "Call",
    "CallOccurrence",
    "CollabFileError",
    "CollaborativeSpec",
    "Digest",
    "Measure",
    "PeerChannel",
    "Reporting",
    "Team",
    "expand_calls",
    "measure_due_date",
    "parse_collaborative_file",
    "parse_collaborative_text",
    "slugify",
]

Loc = tuple[str | int, ...]

# Most calls repeat monthly; this only guards against runaway rules.
MAX_OCCURRENCES_PER_CALL = 500

_USER_ID_RE = re.compile(r"^[UW][A-Z0-9]{2,}$")
_CHANNEL_ID_RE = re.compile(r"^[CGD][A-Z0-9]{2,}$")
_WORKSPACE_ID_RE = re.compile(r"^T[A-Z0-9]{2,31}$")
_ENTERPRISE_ID_RE = re.compile(r"^E[A-Z0-9]{2,31}$")
_CHANNEL_NAME_RE = re.compile(r"^[a-z0-9_-]{1,80}$")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_HHMM_RE = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_UNTIL_UTC_RE = re.compile(r"UNTIL=(\d{8}T\d{6})Z", re.IGNORECASE)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class CollabFileError(Exception):
    """The definition file could not be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str], source: str = "<string>") -> None:
        self.problems = problems
        self.source = source
        count = f"{len(problems)} problem" + ("" if len(problems) == 1 else "s")
        super().__init__(f"{count} in {source}:\n" + "\n".join(f"  - {p}" for p in problems))


class _Problems(ValueError):
    """Raised by model validators to report several problems, each at a path below the model."""

    def __init__(self, items: list[tuple[Loc, str]]) -> None:
        self.items = items
        super().__init__("; ".join(f"{_path(loc) or '(top level)'}: {msg}" for loc, msg in items))


def slugify(text: str) -> str:
    """Lowercase ASCII slug with hyphens: 'Hypertension Control' -> 'hypertension-control'."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


# --- field types -----------------------------------------------------------------------------


def _slack_user_id(value: str) -> str:
    if not _USER_ID_RE.match(value):
        raise ValueError(f"{value!r} is not a Slack user ID")
    return value


def _channel_id(value: str) -> str:
    if not _CHANNEL_ID_RE.match(value):
        raise ValueError(f"{value!r} is not a Slack channel ID (they look like C0123ABCDE)")
    return value


def _workspace_id(value: str) -> str:
    if not _WORKSPACE_ID_RE.match(value):
        raise ValueError(f"{value!r} is not a Slack workspace ID (they look like T0123ABCDE)")
    return value


def _enterprise_id(value: str) -> str:
    if not _ENTERPRISE_ID_RE.match(value):
        raise ValueError(f"{value!r} is not an Enterprise Grid organisation ID (they look like E0123ABCDE)")
    return value


def _channel_name(value: str) -> str:
    if not _CHANNEL_NAME_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid Slack channel name: use at most 80 lowercase letters, "
            "digits, '-' and '_', without spaces"
        )
    return value


def _slug(value: str) -> str:
    if not _SLUG_RE.match(value):
        raise ValueError(
            f"{value!r} is not a valid key: use lowercase letters, digits, '-' and '_', "
            "starting with a letter or digit"
        )
    return value


def _optional_slug(value: str) -> str:
    return _slug(value) if value else value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value.strip()


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not a known IANA timezone (e.g. America/Los_Angeles, America/New_York)"
        ) from None
    return value


def _weekday(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        for day in _WEEKDAYS:
            if lowered in (day, day[:3]):
                return day
        raise ValueError(f"{value!r} is not a day of the week (monday … sunday)")
    return value


def _due_day(value: int) -> int:
    if not 1 <= value <= 28:
        raise ValueError(f"{value} must be between 1 and 28, so that every month has that day")
    return value


def _hhmm(value: Any) -> dt.time:
    if isinstance(value, dt.time):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads an unquoted 12:00 as the number 720 (base 60).
        raise ValueError(f'expected a time like "08:00", got the number {value}; put the time in quotes')
    if isinstance(value, str) and (match := _HHMM_RE.match(value.strip())):
        return dt.time(int(match.group(1)), int(match.group(2)))
    raise ValueError(f'expected a 24-hour time like "08:00", got {_describe(value)}')


def _local_datetime(value: Any) -> dt.datetime:
    example = "2026-03-10T12:00"
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        raise ValueError(f"{value.isoformat()} needs a time of day too, e.g. {value.isoformat()}T12:00")
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = dt.datetime.fromisoformat(text)
        except ValueError:
            raise ValueError(f"expected a local date and time like {example}, got {value!r}") from None
        if len(text) <= 10:
            raise ValueError(f"{value!r} needs a time of day too, e.g. {text}T12:00")
    else:
        raise ValueError(f"expected a local date and time like {example}, got {_describe(value)}")
    if parsed.tzinfo is not None:
        raise ValueError(
            f"{value!s} has a UTC offset; give the local wall-clock time without one "
            "(the collaborative's timezone applies)"
        )
    return parsed


_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$", re.IGNORECASE)
#: Characters that break a Slack link (``<url|label>``) or are never in a well-formed URL.
_URL_BREAKERS = re.compile(r"[\s<>|\"`{}\\^\x00-\x1f\x7f]")
MAX_URL_LENGTH = 500  # calendar_events.join_url


def _url(value: str) -> str:
    """A secure, well-formed web address: ``https://host.example/path?query``."""
    url = value.strip()
    problem = f"{url[:80]!r} is not a web address starting with https://"
    if len(url) > MAX_URL_LENGTH:
        raise ValueError(f"that web address is longer than {MAX_URL_LENGTH} characters")
    if not url.lower().startswith("https://"):
        raise ValueError(problem)
    if _URL_BREAKERS.search(url):
        raise ValueError(f"{url[:80]!r} has spaces or characters a web address can't have (< > | \" …)")
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a bad port
    except ValueError:
        raise ValueError(f"{url[:80]!r} is not a well-formed web address") from None
    host = parts.hostname or ""
    labels = host.split(".")
    if parts.username is not None or port == 0 or len(labels) < 2 or not all(map(_HOST_LABEL.match, labels)):
        raise ValueError(f"{url[:80]!r} does not name a web site (e.g. https://zoom.us/j/123)")
    return url


def _nqf(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:04d}"  # YAML may read an unquoted NQF number as an integer
    return value


def _rrule_text(value: str) -> str:
    text = value.strip()
    if text.upper().startswith("RRULE:"):
        text = text[len("RRULE:") :]
    upper = text.upper()
    if "\n" in text or any(word in upper for word in ("DTSTART", "EXDATE", "RDATE")):
        raise ValueError(
            "give only the rule itself (e.g. FREQ=MONTHLY;BYDAY=2TH;COUNT=12): the first "
            "occurrence comes from `start`, exceptions from `skip_dates`"
        )
    try:
        _build_rrule(text, dt.datetime(2026, 1, 1), None)
    except Exception as exc:  # dateutil raises ValueError, KeyError, TypeError, ...
        raise ValueError(f"{value!r} is not a valid RFC 5545 RRULE ({exc})") from None
    freq = re.search(r"FREQ=([A-Z]+)", upper)
    if freq and freq.group(1) in ("HOURLY", "MINUTELY", "SECONDLY"):
        raise ValueError(f"{value!r} repeats {freq.group(1).lower()}; calls can repeat at most daily")
    return text


SlackUserId = Annotated[str, AfterValidator(_slack_user_id)]
ChannelId = Annotated[str, AfterValidator(_channel_id)]
ChannelName = Annotated[str, AfterValidator(_channel_name)]
WorkspaceId = Annotated[str, AfterValidator(_workspace_id)]
EnterpriseId = Annotated[str, AfterValidator(_enterprise_id)]
Slug = Annotated[str, AfterValidator(_slug)]
Text = Annotated[str, AfterValidator(_non_empty)]
TimezoneName = Annotated[str, AfterValidator(_timezone)]
Weekday = Annotated[
    Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    BeforeValidator(_weekday),
]
LocalTime = Annotated[dt.time, PlainValidator(_hhmm)]
LocalDateTime = Annotated[dt.datetime, PlainValidator(_local_datetime)]
Url = Annotated[str, AfterValidator(_url)]
NqfNumber = Annotated[str, BeforeValidator(_nqf)]
RRuleText = Annotated[str, AfterValidator(_rrule_text)]


# --- models ----------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Digest(_Model):
    """The weekly faculty digest: posted to ``channel`` every ``day`` at ``time`` (local)."""

    channel: ChannelId
    day: Weekday = "monday"
    time: LocalTime = dt.time(8, 0)

    @property
    def weekday(self) -> int:
        """0 = Monday … 6 = Sunday, as in ``date.weekday()``."""
        return _WEEKDAYS.index(self.day)


class Reporting(_Model):
    """Measures for month M are due on ``due_day`` of month M+1."""

    due_day: Annotated[int, AfterValidator(_due_day)] = 10


class Measure(_Model):
    """A monthly measure. Proportion goals/baselines are fractions; rates are per ``multiplier``."""

    key: Slug
    name: Text
    type: Literal["proportion", "count", "rate"]
    kind: Literal["outcome", "process", "balancing"] = "outcome"
    direction: Literal["up", "down"]
    numerator: Text | None = None
    denominator: Text | None = None
    definition: Text | None = None
    multiplier: int | None = Field(default=None, gt=0)
    baseline: float | None = None
    goal: float | None = None
    nqf: NqfNumber | None = None

    @property
    def higher_is_better(self) -> bool:
        return self.direction == "up"

    @model_validator(mode="after")
    def _check_shape(self) -> Measure:
        problems: list[tuple[Loc, str]] = []
        if self.type in ("proportion", "rate"):
            for part in ("numerator", "denominator"):
                if getattr(self, part) is None:
                    problems.append(((part,), f"a {self.type} measure needs a {part} definition"))
        if self.type == "count" and self.definition is None and self.numerator is None:
            problems.append((("definition",), "a count measure needs a definition of what is counted"))
        if self.type == "rate" and self.multiplier is None:
            problems.append((("multiplier",), "a rate measure needs a multiplier, e.g. 1000 for 'per 1,000'"))
        if self.type != "rate" and self.multiplier is not None:
            problems.append((("multiplier",), "only rate measures take a multiplier"))
        for name in ("baseline", "goal"):
            value = getattr(self, name)
            if value is None:
                continue
            if self.type == "proportion" and not 0 <= value <= 1:
                hint = f" (write {value / 100:g} for {value:g}%)" if 1 < value <= 100 else ""
                problems.append(((name,), f"{value:g} is outside 0..1; proportions are fractions{hint}"))
            elif value < 0:
                problems.append(((name,), f"{value:g} must not be negative"))
        if problems:
            raise _Problems(problems)
        return self


class Team(_Model):
    """One clinic or site. Leads are added to ``members`` automatically."""

    key: Slug
    name: Text
    channel: ChannelId
    members: list[SlackUserId] = Field(default_factory=list)
    leads: list[SlackUserId] = Field(default_factory=list)
    senior_leader: SlackUserId | None = None

    @model_validator(mode="after")
    def _leads_are_members(self) -> Team:
        if not self.leads:
            raise _Problems([(("leads",), "a team needs at least one lead (its key contact)")])
        self.members = list(dict.fromkeys([*self.members, *self.leads]))
        self.leads = list(dict.fromkeys(self.leads))
        return self


class PeerChannel(_Model):
    """A cross-team channel: ``name`` to create one, or ``id`` of an existing one."""

    name: ChannelName | None = None
    id: ChannelId | None = None
    topic: Annotated[str, StringConstraints(max_length=250)] | None = None
    purpose: Annotated[str, StringConstraints(max_length=250)] | None = None

    @model_validator(mode="after")
    def _name_or_id(self) -> PeerChannel:
        if (self.name is None) == (self.id is None):
            raise _Problems([((), "give either `name` (to create a channel) or `id` (an existing one)")])
        return self


class Call(_Model):
    """A learning session or interim call, once at ``start`` or repeating by ``rrule``."""

    title: Text
    kind: Literal["learning_session", "interim_call"]
    start: LocalDateTime
    duration_minutes: int = Field(default=60, gt=0)
    join_url: Url | None = None
    rrule: RRuleText | None = None
    skip_dates: list[dt.date] = Field(default_factory=list)
    description: str | None = None


@dataclass(frozen=True)
class CallOccurrence:
    """One concrete call. ``key`` is stable across reloads of an unchanged call."""

    key: str
    title: str
    kind: str
    starts_at: dt.datetime  # timezone-aware, in the collaborative's timezone
    duration_minutes: int
    join_url: str | None

    @property
    def ends_at(self) -> dt.datetime:
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)


class CollaborativeSpec(_Model):
    """A whole collaborative. ``key`` is always filled (derived from ``name`` when absent).

    ``baseline_months`` is the number of first reported monthly points whose median is frozen as
    the run charts' centre line (default 12; a baseline is never frozen on fewer than 10).
    ``rules`` picks the run-chart rules: ``anhoej`` (default: unusually long run, too few
    crossings, as qicharts2) or ``ihi`` (shift of 6, trend of 5, astronomical point).
    """

    name: Text
    key: Annotated[str, AfterValidator(_optional_slug)] = ""
    #: The Slack workspace; a single-workspace install may leave it out (taken from ``auth.test``).
    workspace: WorkspaceId | None = None
    #: The Enterprise Grid organisation, if any (its user IDs are org-wide).
    enterprise: EnterpriseId | None = None
    timezone: TimezoneName
    start: dt.date
    end: dt.date
    faculty: Annotated[list[SlackUserId], Field(min_length=1)]
    admins: list[SlackUserId] = Field(default_factory=list)
    digest: Digest | None = None
    reporting: Reporting = Field(default_factory=Reporting)
    baseline_months: int = Field(default=12, ge=1, le=60)
    rules: Literal["anhoej", "ihi"] = "anhoej"
    measures: Annotated[list[Measure], Field(min_length=1)]
    teams: Annotated[list[Team], Field(min_length=1)]
    peer_channels: list[PeerChannel] = Field(default_factory=list)
    #: Weekly peer prompts of the collaborative's own, used before the bot's library.
    prompts: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]] = (
        Field(default_factory=list)
    )
    calls: list[Call] = Field(default_factory=list)
    #: Monthly buddy teams (a team with an improvement signal paired with one flat on the same
    #: measure); ``false`` turns them off.
    buddies: bool = True

    @model_validator(mode="after")
    def _cross_checks(self) -> CollaborativeSpec:
        parts = _Parts(
            name=self.name,
            key=self.key,
            tz=self.tz,
            start=self.start,
            end=self.end,
            digest_channel=self.digest.channel if self.digest else None,
            measure_keys=[(i, m.key) for i, m in enumerate(self.measures)],
            measure_types=[m.type for m in self.measures],
            team_keys=[(i, t.key) for i, t in enumerate(self.teams)],
            team_channels=[(i, t.channel) for i, t in enumerate(self.teams)],
            calls=list(enumerate(self.calls)),
        )
        problems = _cross_problems(parts)
        if len(self.peer_channels) > 1:
            problems.append(
                (("peer_channels",), "a collaborative has one peer channel: keep one `name` or `id`")
            )
        if problems:
            raise _Problems(problems)
        self.key = self.key or slugify(self.name)
        return self

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def team(self, key: str) -> Team | None:
        return next((t for t in self.teams if t.key == key), None)

    def measure(self, key: str) -> Measure | None:
        return next((m for m in self.measures if m.key == key), None)

    def teams_for_user(self, user_id: str) -> list[Team]:
        return [t for t in self.teams if user_id in t.members]

    def occurrences(
        self, start: dt.datetime | None = None, end: dt.datetime | None = None
    ) -> list[CallOccurrence]:
        """Every call occurrence starting in [start, end), sorted by start time.

        Naive bounds are read as local times in the collaborative's timezone.
        """
        tz = self.tz
        lower = _aware(start, tz) if start else None
        upper = _aware(end, tz) if end else None
        found: list[CallOccurrence] = []
        for call in self.calls:
            for local in islice(_local_starts(call, tz, self.end), MAX_OCCURRENCES_PER_CALL):
                starts_at = _aware(local, tz)
                if (lower and starts_at < lower) or (upper and starts_at >= upper):
                    continue
                found.append(
                    CallOccurrence(
                        key=_occurrence_key(call.title, local),
                        title=call.title,
                        kind=call.kind,
                        starts_at=starts_at,
                        duration_minutes=call.duration_minutes,
                        join_url=call.join_url,
                    )
                )
        return sorted(found, key=lambda o: (o.starts_at, o.key))

    def first_learning_session(self) -> CallOccurrence | None:
        return next((o for o in self.occurrences() if o.kind == "learning_session"), None)


def expand_calls(
    spec: CollaborativeSpec, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> list[CallOccurrence]:
    """Same as ``spec.occurrences(start, end)``."""
    return spec.occurrences(start, end)


def measure_due_date(spec: CollaborativeSpec, period_year: int, period_month: int) -> dt.date:
    """The date measures for ``period_year``-``period_month`` are due: due_day of the next month."""
    if not 1 <= period_month <= 12:
        raise ValueError(f"period_month must be 1..12, got {period_month}")
    return day_in_following_month(f"{period_year:04d}-{period_month:02d}", spec.reporting.due_day)


# --- calls -----------------------------------------------------------------------------------


def _build_rrule(text: str, dtstart: dt.datetime, tz: ZoneInfo | None) -> rrule:
    """An rrule on naive local times; a UTC ``UNTIL=...Z`` is converted to local time."""

    def local_until(match: re.Match[str]) -> str:
        until = dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%S").replace(tzinfo=dt.UTC)
        local = until.astimezone(tz) if tz else until
        return "UNTIL=" + local.strftime("%Y%m%dT%H%M%S")

    rule = rrulestr(_UNTIL_UTC_RE.sub(local_until, text), dtstart=dtstart)
    assert isinstance(rule, rrule)
    return rule


def _is_bounded(rule_text: str) -> bool:
    return bool(re.search(r"(COUNT|UNTIL)=", rule_text, re.IGNORECASE))


def _local_starts(call: Call, tz: ZoneInfo | None, collab_end: dt.date | None) -> Iterator[dt.datetime]:
    """Naive local start times of a call; unbounded rules stop at the collaborative's end."""
    skip = set(call.skip_dates)
    if call.rrule is None:
        starts: Iterable[dt.datetime] = [call.start]
    else:
        rule = _build_rrule(call.rrule, call.start, tz)
        if _is_bounded(call.rrule):
            starts = rule
        else:
            last_day = collab_end or call.start.date() + dt.timedelta(days=3 * 365)
            starts = _until(rule, last_day)
    return (s for s in starts if s.date() not in skip)


def _until(rule: rrule, last_day: dt.date) -> Iterator[dt.datetime]:
    for start in rule:
        if start.date() > last_day:
            return
        yield start


def _minutes(value: dt.datetime) -> str:
    return value.isoformat(timespec="minutes")


def _aware(value: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """Attach ``tz`` to a naive local time (normalising times skipped by DST), or convert."""
    if value.tzinfo is None:
        return value.replace(tzinfo=tz).astimezone(dt.UTC).astimezone(tz)
    return value.astimezone(tz)


def _occurrence_key(title: str, local_start: dt.datetime) -> str:
    return f"{slugify(title) or 'call'}-{_minutes(local_start)}"


# --- cross-field checks ----------------------------------------------------------------------


@dataclass
class _Parts:
    """What the checks spanning several parts of the file need; None where that part is invalid."""

    name: str | None = None
    key: str | None = None
    tz: ZoneInfo | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    digest_channel: str | None = None
    measure_keys: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    measure_types: list[str] = dataclasses.field(default_factory=list)
    team_keys: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    team_channels: list[tuple[int, str]] = dataclasses.field(default_factory=list)
    calls: list[tuple[int, Call]] = dataclasses.field(default_factory=list)


def _duplicates(
    section: str, field: str, items: Iterable[tuple[int, str]], what: str
) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    first_seen: dict[str, int] = {}
    for index, value in items:
        if value in first_seen:
            message = f"duplicate {what} {value!r} (also {section}[{first_seen[value]}])"
            problems.append(((section, index, field), message))
        else:
            first_seen[value] = index
    return problems


def _cross_problems(parts: _Parts) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    if parts.name is not None and not parts.key and not slugify(parts.name):
        problems.append((("key",), "cannot derive a key from the name; add one, e.g. key: htn"))
    if parts.start and parts.end and parts.end <= parts.start:
        problems.append((("end",), f"{parts.end} is not after start ({parts.start})"))
    problems += _duplicates("measures", "key", parts.measure_keys, "measure key")
    problems += _form_capacity_problems(parts.measure_types)
    problems += _duplicates("teams", "key", parts.team_keys, "team key")
    problems += _duplicates("teams", "channel", parts.team_channels, "team channel")
    for i, channel in parts.team_channels:
        if channel == parts.digest_channel:
            message = (
                f"{channel} is teams[{i}]'s channel; the digest shows every team's data, "
                "so post it to a faculty-only channel"
            )
            problems.append((("digest", "channel"), message))
    problems += _call_problems(parts.calls, parts.tz, parts.end)
    return problems


def _form_capacity_problems(measure_types: list[str]) -> list[tuple[Loc, str]]:
    """Every measure must fit in the /measures form (Slack allows 100 blocks in a modal)."""
    from bot.measures.views import measure_field_capacity

    fields = sum(1 if kind == "count" else 2 for kind in measure_types)
    capacity = measure_field_capacity()
    if fields <= capacity:
        return []
    message = (
        f"{len(measure_types)} measures need {fields} number fields in the /measures form, but Slack's "
        f"100-block limit leaves room for {capacity} (a count takes 1, a proportion or rate 2, e.g. at "
        f"most {capacity // 2} proportions): remove measures or split them into two collaboratives"
    )
    return [(("measures",), message)]


def _call_problems(
    calls: list[tuple[int, Call]], tz: ZoneInfo | None, collab_end: dt.date | None
) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    seen: dict[str, int] = {}
    for i, call in calls:
        starts = list(islice(_local_starts(call, tz, collab_end), MAX_OCCURRENCES_PER_CALL + 1))
        if len(starts) > MAX_OCCURRENCES_PER_CALL:
            message = f"repeats more than {MAX_OCCURRENCES_PER_CALL} times; add COUNT or UNTIL"
            problems.append((("calls", i, "rrule"), message))
        if call.rrule is not None:
            rule = _build_rrule(call.rrule, call.start, tz)
            first = rule.after(call.start, inc=True)
            if first != call.start:
                hint = f" (its first is {_minutes(first)})" if first else ""
                message = f"{_minutes(call.start)} is not an occurrence of the rrule{hint}"
                problems.append((("calls", i, "start"), message + "; start on the first occurrence"))
            unskipped = call.model_copy(update={"skip_dates": []})
            all_dates = {
                s.date() for s in islice(_local_starts(unskipped, tz, collab_end), MAX_OCCURRENCES_PER_CALL)
            }
        else:
            all_dates = {call.start.date()}
        for j, day in enumerate(call.skip_dates):
            if day not in all_dates:
                problems.append((("calls", i, "skip_dates", j), f"there is no occurrence on {day}"))
        for start in starts[:MAX_OCCURRENCES_PER_CALL]:
            key = _occurrence_key(call.title, start)
            if key in seen and seen[key] != i:
                message = f"{call.title!r} at {_minutes(start)} is also in calls[{seen[key]}]"
                problems.append((("calls", i), message + "; give each call a distinct title or time"))
                break
            seen.setdefault(key, i)
    return problems


def _valid_or_none(tp: Any, value: Any) -> Any:
    try:
        return TypeAdapter(tp).validate_python(value)
    except ValidationError:
        return None


def _raw_values(items: Any, field: str) -> list[tuple[int, str]]:
    """(index, value) of a text field in each mapping of a raw list, skipping anything odd."""
    if not isinstance(items, list):
        return []
    dicts = [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]
    return [(i, item[field]) for i, item in dicts if isinstance(item.get(field), str)]


def _parts_from_raw(data: dict[str, Any]) -> _Parts:
    """Parts for the cross checks from a file that failed validation: use what can be used."""
    timezone = _valid_or_none(TimezoneName, data.get("timezone"))
    key, digest, calls = data.get("key"), data.get("digest"), data.get("calls")
    return _Parts(
        name=_valid_or_none(Text, data.get("name")),
        key=key if isinstance(key, str) else None,
        tz=ZoneInfo(timezone) if timezone else None,
        start=_valid_or_none(dt.date, data.get("start")),
        end=_valid_or_none(dt.date, data.get("end")),
        digest_channel=digest.get("channel") if isinstance(digest, dict) else None,
        measure_keys=_raw_values(data.get("measures"), "key"),
        measure_types=[kind for _, kind in _raw_values(data.get("measures"), "type")],
        team_keys=_raw_values(data.get("teams"), "key"),
        team_channels=_raw_values(data.get("teams"), "channel"),
        calls=[
            (i, call)
            for i, raw in enumerate(calls if isinstance(calls, list) else [])
            if (call := _valid_or_none(Call, raw)) is not None
        ],
    )


# --- error messages --------------------------------------------------------------------------


def _path(loc: Loc) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (the value is empty)"
    if isinstance(value, bool):
        return f"{str(value).lower()} (yes/no)"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return repr(value if len(value) <= 60 else value[:57] + "...")
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (key: value lines)"
    if isinstance(value, dt.date):
        return f"the date {value.isoformat()}"
    return type(value).__name__


def _unwrap(tp: Any) -> Any:
    """Strip Annotated, Optional and list[...] down to the item type."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated or origin is list:
            tp = get_args(tp)[0]
        elif origin is Union or origin is types.UnionType:
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _model_at(loc: Loc) -> type[BaseModel] | None:
    tp: Any = CollaborativeSpec
    for part in loc:
        tp = _unwrap(tp)
        if isinstance(part, int):
            continue
        if not (isinstance(tp, type) and issubclass(tp, BaseModel)) or part not in tp.model_fields:
            return None
        tp = tp.model_fields[part].annotation
    tp = _unwrap(tp)
    return tp if isinstance(tp, type) and issubclass(tp, BaseModel) else None


def _unknown_key_message(loc: Loc) -> str:
    name = str(loc[-1])
    model = _model_at(loc[:-1])
    if model is None:
        return f"unknown key {name!r}"
    allowed = list(model.model_fields)
    close = difflib.get_close_matches(name, allowed, n=1)
    guess = f"did you mean {close[0]!r}? " if close else ""
    return f"unknown key {name!r}; {guess}allowed keys here: {', '.join(allowed)}"


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    ctx = err.get("ctx", {})
    got = _describe(err.get("input"))
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return _unknown_key_message(err["loc"])
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error", err["msg"]))
    if kind == "literal_error":
        return f"{got} is not allowed here; expected {ctx.get('expected')}"
    if kind == "string_type":
        return f"expected text, got {got}"
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return f"expected a whole number, got {got}"
    if kind in ("float_type", "float_parsing"):
        value = err.get("input")
        hint = "; write a proportion as a fraction, e.g. 0.70 for 70%" if str(value).endswith("%") else ""
        return f"expected a number, got {got}{hint}"
    if kind == "too_short":
        return "list at least one entry here"
    if kind == "list_type":
        return f"expected a list, got {got}"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"expected a mapping (key: value lines), got {got}"
    if kind.startswith("date_"):
        return f"expected a date like 2026-01-31, got {got}"
    if kind.startswith("datetime_"):
        return f"expected a local date and time like 2026-03-10T12:00, got {got}"
    if kind.startswith("bool_"):
        return f"expected true or false, got {got}"
    if kind == "greater_than":
        return f"must be greater than {ctx.get('gt')}, got {got}"
    if kind == "greater_than_equal":
        return f"must be at least {ctx.get('ge')}, got {got}"
    if kind == "less_than":
        return f"must be less than {ctx.get('lt')}, got {got}"
    if kind == "less_than_equal":
        return f"must be at most {ctx.get('le')}, got {got}"
    return err["msg"]


def _located_problems(errors: list[ErrorDetails]) -> list[tuple[Loc, str]]:
    problems: list[tuple[Loc, str]] = []
    for err in errors:
        error = err.get("ctx", {}).get("error")
        if isinstance(error, _Problems):
            problems += [(tuple(err["loc"]) + sub, msg) for sub, msg in error.items]
        else:
            problems.append((tuple(err["loc"]), _message(err)))
    return problems


def _document_order(problem: tuple[Loc, str]) -> tuple[int, int]:
    """Sort key: top-level key in the order of the model (unknown keys last), then list index."""
    loc = problem[0]
    fields = list(CollaborativeSpec.model_fields)
    rank = fields.index(loc[0]) if loc and loc[0] in fields else len(fields)
    index = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else -1
    return rank, index


# --- loading ---------------------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """SafeLoader that records duplicate mapping keys and leaves impossible dates as text."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicate_keys: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if isinstance(key, str) and key in seen:
                mark = key_node.start_mark
                self.duplicate_keys.append(
                    f"line {mark.line + 1}, column {mark.column + 1}: duplicate key {key!r} "
                    "(only one value can be used; remove the other)"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_timestamp_leniently(self, node: yaml.ScalarNode) -> Any:
        try:
            return self.construct_yaml_timestamp(node)
        except ValueError:  # e.g. 2026-13-01: let validation report it with its path
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_timestamp_leniently)


def parse_collaborative_text(text: str, source: str = "<string>") -> CollaborativeSpec:
    """Parse and validate a definition file's text; raise CollabFileError listing every problem."""
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        what = " ".join(p for p in (exc.context, exc.problem) if p)
        raise CollabFileError([f"{where}YAML syntax error: {what}"], source) from None
    except yaml.YAMLError as exc:
        raise CollabFileError([f"YAML syntax error: {exc}"], source) from None
    finally:
        loader.dispose()  # type: ignore[no-untyped-call]

    if data is None:
        raise CollabFileError(["the file is empty"], source)
    if not isinstance(data, dict):
        raise CollabFileError([f"expected key: value lines at the top level, got {_describe(data)}"], source)

    try:
        spec = CollaborativeSpec.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors()
        located = _located_problems(errors)
        cross_checks_ran = any(
            not err["loc"] and isinstance(err.get("ctx", {}).get("error"), _Problems) for err in errors
        )
        if not cross_checks_ran:  # some part is invalid: run the cross checks on what is usable
            located += [p for p in _cross_problems(_parts_from_raw(data)) if p not in located]
        located.sort(key=_document_order)
        problems = [f"{_path(loc) or '(top level)'}: {msg}" for loc, msg in located]
        raise CollabFileError(loader.duplicate_keys + problems, source) from None
    if loader.duplicate_keys:
        raise CollabFileError(loader.duplicate_keys, source)
    return spec


def parse_collaborative_file(path: str | os.PathLike[str]) -> CollaborativeSpec:
    """Read and parse a definition file; a missing or unreadable file is a CollabFileError too."""
    source = os.fspath(path)
    try:
        with open(source, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        raise CollabFileError([f"file not found: {source}"], source) from None
    except IsADirectoryError:
        raise CollabFileError([f"{source} is a directory, not a file"], source) from None
    except PermissionError:
        raise CollabFileError([f"no permission to read {source}"], source) from None
    except UnicodeDecodeError:
        raise CollabFileError([f"{source} is not UTF-8 text"], source) from None
    return parse_collaborative_text(text, source)
