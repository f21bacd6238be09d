"""What the person at the command line sees when the database is unreachable or not migrated."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.helpers import main_cli


def test_unreachable_database_is_one_clear_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = "postgresql://postgres:s3cret@127.0.0.1:1/x"
    for argv in (("load", str(EXAMPLE)), ("export", "--out", str(tmp_path)), ("db", "upgrade")):
        code, out, err = main_cli(monkeypatch, capsys, url, *argv)
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
    empty = tmp_path / "empty.db"
    empty.touch()  # a database file with no tables
    url = f"sqlite:///{empty}"
    unmigrated = (
        f"collab-bot: the database at {url} has no tables yet (or an old schema): "
        "run `collab-bot db upgrade`, then `collab-bot load FILE`.\n"
    )
    code, out, err = main_cli(monkeypatch, capsys, url, "export", "--out", str(tmp_path / "out"))
    assert code == 1 and out == ""
    assert err == unmigrated
    # `jobs list` says what is wrong and exits 1 (it used to list the jobs and exit 0)
    code, out, err = main_cli(monkeypatch, capsys, url, "jobs", "list")
    assert code == 1 and out == "" and err == unmigrated
    for argv in (("jobs", "run", "report-reminders"), ("deliveries", "list")):
        code, out, err = main_cli(monkeypatch, capsys, url, *argv)
        assert (code, out, err) == (1, "", unmigrated)


def test_a_missing_sqlite_file_or_folder_is_an_error_not_a_new_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    typo = tmp_path / "colab.db"
    existing: list[tuple[str, ...]] = [
        ("jobs", "list"),
        ("export", "--out", str(tmp_path)),
        ("deliveries", "list"),
    ]
    for argv in existing:
        code, out, err = main_cli(monkeypatch, capsys, f"sqlite:///{typo}", *argv)
        assert code == 1 and out == ""
        assert err == (
            f"collab-bot: there is no database at {typo}: check DATABASE_URL, or run "
            "`collab-bot db upgrade` to create one there.\n"
        )
        assert not typo.exists()
    nowhere = tmp_path / "no-such-folder" / "collab.db"
    migrating: list[tuple[str, ...]] = [("load", str(EXAMPLE)), ("jobs", "list"), ("scheduler",)]
    for argv in migrating:
        code, out, err = main_cli(monkeypatch, capsys, f"sqlite:///{nowhere}", *argv)
        assert code == 1 and out == ""
        assert err.startswith(
            f"collab-bot: the folder of the SQLite database sqlite:///{nowhere} does not exist"
        )
        assert err.count("\n") == 1
        assert not nowhere.parent.exists()
    # `db upgrade` creates the folder and the database on purpose
    code, out, err = main_cli(monkeypatch, capsys, f"sqlite:///{nowhere}", "db", "upgrade")
    assert (code, out, err) == (0, "Database is up to date.\n", "")
    assert nowhere.is_file()
    code, out, err = main_cli(monkeypatch, capsys, f"sqlite:///{nowhere}", "load", str(EXAMPLE))
    assert code == 0 and out.startswith("Loaded Hypertension Control")


def test_out_pointing_at_a_file_or_an_unwritable_place_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert main_cli(monkeypatch, capsys, url, "db", "upgrade")[0] == 0
    a_file = tmp_path / "taken"
    a_file.write_text("keep me")
    for command in ("demo", "export"):
        code, out, err = main_cli(monkeypatch, capsys, url, command, "--out", str(a_file))
        assert (code, out) == (1, "")
        assert err.startswith(f"collab-bot: --out {a_file} is a file, not a folder: give a folder")
        assert err.count("\n") == 1
        assert a_file.read_text() == "keep me"
        code, out, err = main_cli(monkeypatch, capsys, url, command, "--out", "/dev/null/out")
        assert (code, out) == (1, "")
        assert err == "collab-bot: cannot create the folder /dev/null/out: Not a directory.\n"


def test_bad_file_lists_its_one_problem_and_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(EXAMPLE.read_text().replace("[U0ALICE001, U0ARJUN001", "[U0ALICE001, arjun"))
    code, out, err = main_cli(monkeypatch, capsys, f"sqlite:///{tmp_path / 'c.db'}", "load", str(bad))
    assert code == 1 and out == ""
    lines = err.splitlines()
    assert lines[0] == f"{bad}: 1 problem; nothing was changed:"
    assert len(lines) == 2 and "'arjun' is not a Slack user ID" in lines[1]
