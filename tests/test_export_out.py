"""``collab-bot export --out``: a place it cannot write is one line and exit 1, and no half export."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import EXAMPLE
from tests.helpers import main_cli


def test_a_folder_in_the_way_leaves_the_earlier_export_whole(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'c.db'}"
    assert main_cli(monkeypatch, capsys, url, "db", "upgrade")[0] == 0
    assert main_cli(monkeypatch, capsys, url, "load", str(EXAMPLE))[0] == 0
    out = tmp_path / "out"
    code, printed, _ = main_cli(monkeypatch, capsys, url, "export", "--out", str(out))
    assert code == 0 and f"{out / 'teams.csv'}\n" in printed
    earlier = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "teams.csv").write_text("an earlier export")
    (out / "measures.csv").unlink()
    (out / "measures.csv").mkdir()  # something is in the way of one file

    code, printed, err = main_cli(monkeypatch, capsys, url, "export", "--out", str(out))
    assert (code, printed) == (1, "")
    assert err == f"collab-bot: cannot write to {out / 'measures.csv'}: it is a folder, not a file.\n"
    assert (out / "teams.csv").read_text() == "an earlier export"  # nothing was half replaced
    assert {p.name for p in out.iterdir()} == set(earlier)  # and no temporary file is left

    (out / "collaborative.xlsx").mkdir()
    code, printed, err = main_cli(monkeypatch, capsys, url, "export", "--format", "xlsx", "--out", str(out))
    assert (code, printed) == (1, "")
    assert err == f"collab-bot: cannot write to {out / 'collaborative.xlsx'}: it is a folder, not a file.\n"

    (out / "measures.csv").rmdir()
    code, printed, _ = main_cli(monkeypatch, capsys, url, "export", "--out", str(out))
    assert code == 0
    assert {p.name for p in out.iterdir()} == set(earlier) | {"collaborative.xlsx"}
    assert (out / "teams.csv").read_bytes() == earlier["teams.csv"]
