"""What the person at the command line sees when the database is unreachable or not migrated."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import EXAMPLE


def run_cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], url: str, *argv: str
) -> tuple[int, str, str]:
    monkeypatch.setenv("DATABASE_URL", url)
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_unreachable_database_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = "postgresql://postgres:s3cret@127.0.0.1:1/x"
    for argv in (("load", str(EXAMPLE)), ("export", "--out", str(tmp_path)), ("db", "upgrade")):
        code, out, err = run_cli(monkeypatch, capsys, url, *argv)
        assert code == 1
        assert err.count("\n") == 1 and "Traceback" not in err
        assert err.startswith(
            "collab-bot: cannot use the database at postgresql://postgres:***@127.0.0.1:1/x"
        )
        assert "Connection refused" in err and "Check DATABASE_URL" in err
        assert "s3cret" not in err


def test_unmigrated_database_says_to_run_db_upgrade(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    code, out, err = run_cli(monkeypatch, capsys, url, "export", "--out", str(tmp_path / "out"))
    assert code == 1 and out == ""
    assert err == (
        f"collab-bot: the database at {url} has no tables yet (or an old schema): "
        "run `collab-bot db upgrade`, then `collab-bot load FILE`.\n"
    )
    code, out, err = run_cli(monkeypatch, capsys, url, "jobs", "list")
    assert code == 0 and "report-reminders" in out
    assert "No collaboratives to show: the database at" in out and "collab-bot db upgrade" in out


def test_bad_file_lists_its_one_problem_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("[U0ALICE001, U0ARJUN001", "[U0ALICE001, arjun"))
    code, out, err = run_cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'c.db'}", "load", str(bad))
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"{bad}: 1 problem; nothing was changed:"
    assert len(lines) == 2 and "'arjun' is not a Slack user ID" in lines[1]
