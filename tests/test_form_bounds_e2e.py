"""Forms refuse what they must not store, with a field error and no 500: signed requests, the stand-in.

A PDSA plan may link only its own collaborative's measures (another collaborative's, or one that
does not exist, is a field error under "Measures it should move"); a count or denominator above
10,000,000 is a plain field error on the measures form.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.collaborative.file import parse_collaborative_text
from bot.collaborative.loading import apply_spec
from bot.measures.rules import MAX_FIGURE
from bot.pdsa.rules import UNKNOWN_MEASURE
from storage.models import Measure, MeasureReport, PdsaCycle, PdsaMeasure
from tests.conftest import RunningBot
from tests.constants import ALICE
from tests.test_measures_e2e import VALID, open_modal, submit
from tests.test_pdsa_e2e import option, start_cycle
from tests.test_workspaces import OTHER_FILE


def _count(bot: RunningBot, model: Any) -> int:
    with bot.db.reader() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _linking(*measure_ids: int) -> dict[str, Any]:
    picked = [option(str(i)) for i in measure_ids]
    return {"measures": {"value": {"type": "multi_static_select", "selected_options": picked}}}


def test_a_pdsa_plan_linking_another_collaboratives_measure_is_a_field_error(loaded_bot: RunningBot) -> None:
    bot = loaded_bot
    other = OTHER_FILE.replace("workspace: T0OTHER001\n", "").replace(ALICE, "U0HILLT001")
    apply_spec(bot.db, parse_collaborative_text(other))  # a second collaborative in the same workspace
    with bot.db.reader() as session:
        a1c = session.scalars(select(Measure.id).where(Measure.key == "a1c")).one()
        bp = session.scalars(select(Measure.id).where(Measure.key == "bp_control")).one()
        missing = int(session.scalar(select(func.max(Measure.id))) or 0) + 1000

    for wrong in (a1c, missing):
        _, reply = start_cycle(bot, **_linking(bp, wrong))
        assert reply == {"response_action": "errors", "errors": {"measures": UNKNOWN_MEASURE}}
    assert _count(bot, PdsaCycle) == 0 and _count(bot, PdsaMeasure) == 0

    _, reply = start_cycle(bot, **_linking(bp))  # its own collaborative's measure is fine
    assert reply["response_action"] == "update"
    with bot.db.reader() as session:
        assert session.scalars(select(PdsaMeasure.measure_id)).all() == [bp]


@pytest.mark.parametrize("field", ["bp_control:denominator", "missed_appointments:count"])
def test_a_figure_above_ten_million_is_a_plain_field_error(loaded_bot: RunningBot, field: str) -> None:
    bot = loaded_bot
    view = open_modal(bot, ALICE)
    huge = "1" + "0" * 24  # a 25-digit paste
    reply = submit(bot, view, ALICE, values={**VALID, field: huge})
    assert reply is not None and reply["response_action"] == "errors"
    [error] = [e for b, e in reply["errors"].items() if b.startswith(f"{field}|")]  # under the field
    assert error == f"{huge[:20]}… is more than {MAX_FIGURE:,}; check the number."
    assert _count(bot, MeasureReport) == 0

    at_limit = {**VALID, field: str(MAX_FIGURE)}
    if field == "bp_control:denominator":
        at_limit["bp_control:numerator"] = str(MAX_FIGURE)
    assert submit(bot, open_modal(bot, ALICE), ALICE, values=at_limit) is None  # the bound itself is fine
