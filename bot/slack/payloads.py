"""Values that travel through Slack and come back: button values, option values, private_metadata.

The bot writes them and Slack returns them with the next action or submission, so they are read
like any other input: each is a small pydantic model, and :func:`parse` is the one place that turns
the raw text back into one. A missing, garbled or forged value parses to ``None``, and the handler
answers with a clean refusal instead of a traceback.

Features define their payloads beside their views (``bot.measures.views``, ``bot.pdsa.views``,
``bot.calls.views``); :class:`Payload` writes them back as the JSON Slack already carries.
"""

from __future__ import annotations

import json
from typing import Annotated, ClassVar, TypeVar

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationError

# A database id: positive, and small enough for an INTEGER column (a forged 10**20 is refused here,
# not by PostgreSQL).
RowId = Annotated[int, Field(gt=0, le=2**31 - 1)]

P = TypeVar("P", bound=BaseModel)


class Payload(BaseModel):
    """A JSON object the bot puts into Slack. Strict: ``"3"`` is not the number 3, ``true`` is not 1."""

    model_config = ConfigDict(frozen=True, strict=True, allow_inf_nan=False)

    # How :meth:`dump` separates items; compact unless a feature already posted another form.
    separators: ClassVar[tuple[str, str]] = (",", ":")

    def dump(self) -> str:
        """The JSON text to put in a button value or ``private_metadata``."""
        return json.dumps(self.model_dump(mode="json"), separators=self.separators)


class Id(RootModel[RowId]):
    """A bare row id as text (``"42"``): team option values, "Plan a new cycle", RSVP buttons."""

    model_config = ConfigDict(frozen=True, strict=True)


def parse(model: type[P], raw: str | None) -> P | None:
    """``raw`` read as ``model`` (JSON, validated); ``None`` when it is missing or not valid."""
    if not raw:
        return None
    try:
        return model.model_validate_json(raw)
    except ValidationError:
        return None


def parse_id(raw: str | None) -> int | None:
    """A bare row id (see :class:`Id`), or ``None``."""
    found = parse(Id, raw)
    return found.root if found is not None else None
