"""The weekly peer prompts that ship with the bot, by phase of the collaborative.

* ``before``: before the first learning session (teams are forming, measuring a baseline);
* ``action``: the action periods (testing changes, reporting monthly);
* ``closing``: the last three months (sustaining, spreading, handing over).

Each prompt has a stable id (``phase-NN``): the ledger remembers which were posted, so they rotate
without repeats. A collaborative file may add its own (``prompts:``), posted first.
"""

from __future__ import annotations

PHASES = ("before", "action", "closing")

LIBRARY: dict[str, tuple[str, ...]] = {
    "before": (
        "Who is on your improvement team, and what does each person bring? Introduce your team.",
        "What made your clinic sign up for this collaborative? One sentence is plenty.",
        "Where does your baseline data come from, and what surprised you when you first pulled it?",
        "What is the one thing you most hope to learn from another team this year?",
        "How does a patient with high blood pressure move through your clinic today? Share a rough map.",
        "Which part of measuring is hardest for you right now: definitions, pulling data, or finding time?",
        "What has your clinic already tried on this topic, and what happened?",
        "Who in your organisation needs to hear about this work, and how will you keep them in the loop?",
        "What does success look like for your team in six months, in your own words?",
        "Share a photo of your team's workspace or huddle board (no patient information, please).",
        "Which change idea from the change package are you most curious to test first, and why?",
        "What do you need from faculty before the first learning session?",
    ),
    "action": (
        "What small test of change did your team run this week? Even a test on one patient counts.",
        "Share a PDSA cycle that did not go as predicted. What did you learn from it?",
        "What is one barrier your team hit this month, and how are you working around it?",
        "Which change are you ready to scale up from one provider or one day to more?",
        "Show your run chart: what do you see in it, and what do you wonder about?",
        "Who on your team made a difference this month? Give them a shout-out.",
        "What tool, script or template has saved your team time? Share it so others can steal shamelessly.",
        "How do you involve front-desk staff or medical assistants in your tests of change?",
        "What have patients told you about the changes you're testing?",
        "Which team's idea would you like to borrow? Tell them, and ask how they did it.",
        "How do you keep your monthly data collection quick and reliable?",
        "What would you do differently if you started your first PDSA cycle again today?",
        "Which of your changes has been adopted for good? How did you make it stick?",
        "What is one question you'd like to put to the other teams before the next call?",
    ),
    "closing": (
        "Which change will your clinic keep doing after the collaborative ends, and who owns it?",
        "What is the biggest lesson your team learned this year?",
        "How will you keep tracking your measures once the collaborative is over?",
        "Which part of your work could spread to another clinic or department in your organisation?",
        "What advice would you give a team starting this collaborative next year?",
        "Share the run chart you're proudest of, and the story behind it.",
        "Who helped your team most along the way: another team, a faculty member, a patient?",
        "What still gets in the way of sustaining your gains, and what would help?",
        "How will you celebrate what your team achieved?",
        "What would you like to keep learning with the other teams after the collaborative ends?",
    ),
}


def prompt_ids(phase: str) -> list[str]:
    return [f"{phase}-{i + 1:02d}" for i in range(len(LIBRARY[phase]))]


def prompt_text(prompt_id: str, own: list[str]) -> str | None:
    """The text of a library prompt (``action-03``) or of one of the file's own (``own-02``)."""
    phase, _, number = prompt_id.rpartition("-")
    if not number.isdigit():
        return None
    index = int(number) - 1
    texts = own if phase == "own" else LIBRARY.get(phase, ())
    return texts[index] if 0 <= index < len(texts) else None
