"""The digest document (Markdown and HTML) is written from the digest data, in the Slack wording, escaped."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.digest.document import ChartFile, digest_html, digest_markdown
from bot.digest.rules import Digest, build_digest
from bot.digest.views import digest_message, scores_message
from tests.test_digest import AS_OF, _data

ODD_NAME = "Alpha & <Beta> *Clinic*"


def _digest() -> Digest:
    digest = build_digest(_data(), AS_OF)
    rename = {"Alpha": ODD_NAME}
    return replace(
        digest,
        missing=[rename.get(n, n) for n in digest.missing],
        spotlight=[replace(f, name=rename.get(f.name, f.name)) for f in digest.spotlight],
        support=[replace(f, name=rename.get(f.name, f.name)) for f in digest.support],
        teams=[replace(t, name=rename.get(t.name, t.name)) for t in digest.teams],
    )


def _plain(mrkdwn: str) -> str:
    """What a reader sees of ``mrkdwn``: no emphasis or emoji, Slack's entities shown as characters."""
    text = re.sub(r"[*_]|:[a-z_]+: ", "", mrkdwn)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_html_escapes_names_and_carries_no_slack_syntax() -> None:
    digest = _digest()
    chart = ChartFile("a<b>.png", "BP control: all teams", 'Run chart "BP"', "Improvement: 6 points")
    page = digest_html(digest, [chart])
    assert "<strong>Alpha &amp; &lt;Beta&gt; *Clinic*</strong>" in page
    assert "<Beta>" not in page
    assert "`" not in page and "<@" not in page and not re.search(r":[a-z_]+:", page)
    assert re.search(r"(?<![\w*])\*[^*\s][^*]*\*(?![\w*])", page.replace("*Clinic*", "")) is None
    assert 'src="a&lt;b&gt;.png" alt="Run chart &quot;BP&quot;"' in page
    assert "<h3>BP control: all teams</h3>" in page


def test_markdown_says_what_the_slack_message_says() -> None:
    digest = _digest()
    markdown = digest_markdown(digest, [])
    assert r"**Alpha & \<Beta\> \*Clinic\***" in markdown
    plain_markdown = _plain(markdown.replace("\\", ""))
    assert "Alpha &amp; &lt;Beta&gt; *Clinic*" in str(digest_message(digest)["blocks"])
    for block in digest_message(digest)["blocks"]:
        text = block.get("text") or (block.get("elements") or [{}])[0]
        words = _plain(text.get("text", "")) if isinstance(text, dict) else ""
        if "in the thread" in words:
            continue  # the pointer to the Slack thread: the document has the details inline
        for line in words.splitlines():
            assert line.removeprefix("• ") in plain_markdown, line


def test_scores_far_apart_are_listed_in_the_slack_wording_and_left_out_when_none() -> None:
    digest = replace(_digest(), score_gaps=[(ODD_NAME, 4.0, 2.0), ("Lakeview", 1.5, 3.5)])
    markdown, page = digest_markdown(digest, []), digest_html(digest, [])
    heading = f"Scores 1.5 or more apart ({digest.period_label})"
    assert f"### {heading}\n\n- **Alpha & \\<Beta\\> \\*Clinic\\***: faculty 4.0, self 2.0" in markdown
    assert "- **Lakeview**: faculty 1.5, self 3.5" in markdown
    assert f"<h3>{heading}</h3>" in page
    assert "<li><strong>Alpha &amp; &lt;Beta&gt; *Clinic*</strong>: faculty 4.0, self 2.0</li>" in page
    assert markdown.index(heading) < markdown.index("Run charts, all teams together")
    slack = _plain(str(scores_message(digest)["blocks"]))
    for line in ("Alpha & <Beta> Clinic: faculty 4.0, self 2.0", "Lakeview: faculty 1.5, self 3.5", heading):
        assert line in slack and line in _plain(markdown.replace("\\", ""))
    quiet = replace(digest, score_gaps=[])
    assert "1.5 or more apart" not in digest_markdown(quiet, []) + digest_html(quiet, [])
