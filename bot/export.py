"""``collab-bot export``: every table as CSV files, or one XLSX workbook with a sheet per table."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bot.settings import Settings
from storage.db import Database
from storage.export import export_frames


def _excel_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Excel cannot hold timezone-aware datetimes; write them as UTC wall-clock."""
    out = frame.copy()
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def write_export(frames: dict[str, pd.DataFrame], fmt: str, out: str | Path) -> list[Path]:
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "xlsx":
        path = folder / "collaborative.xlsx"
        with pd.ExcelWriter(path, engine="openpyxl") as writer:
            for name, frame in frames.items():
                _excel_safe(frame).to_excel(writer, sheet_name=name[:31], index=False)
        return [path]
    paths = []
    for name, frame in frames.items():
        path = folder / f"{name}.csv"
        frame.to_csv(path, index=False)
        paths.append(path)
    return paths


def export_all(settings: Settings, fmt: str, out: str | Path) -> list[Path]:
    db = Database(settings.database_url)
    try:
        return write_export(export_frames(db), fmt, out)
    finally:
        db.dispose()
