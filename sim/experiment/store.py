"""Atomic result files: a reader never sees half a file, an interrupted run leaves none.

`write_atomic` is the one way result files reach the disk (tables, JSON, figures, report).
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

SHARED = 0o644
"""Mode of every result file: results are meant to be read by colleagues and web servers.
Set on the file itself (mkstemp makes 0600), so no process-wide umask is read or changed."""


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a uniquely named temporary file in the same folder, flush it to disk, then
    rename it over `path` (a rename within one folder is atomic)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, SHARED)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json(path: Path, payload: dict[str, Any]) -> None:
    write_atomic(path, (json.dumps(payload, indent=2, sort_keys=True, default=str) + "\n").encode())


def parquet_bytes(table: pd.DataFrame) -> bytes:
    """A table as Parquet file contents (for `write_atomic`, or to ship from a worker)."""
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as CSV file contents: UTF-8 with a byte-order mark, so that Excel (which reads a
    CSV without one as Windows-1252) shows '£' and names with accents as written; pandas and
    Python's csv module with encoding 'utf-8-sig' read it unchanged."""
    return table.to_csv(index=False, float_format="%.10g").encode("utf-8-sig")


def write_table(folder: Path, stem: str, table: pd.DataFrame) -> None:
    """The same tidy table as CSV (UTF-8 with BOM) and Parquet."""
    write_atomic(folder / f"{stem}.csv", csv_bytes(table))
    write_atomic(folder / f"{stem}.parquet", parquet_bytes(table))
