"""Atomic result files: a reader never sees half a file, an interrupted run leaves none."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

_UMASK = os.umask(0)
os.umask(_UMASK)


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same folder, then rename over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are meant to be shared
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


def write_table(folder: Path, stem: str, table: pd.DataFrame) -> None:
    """The same tidy table as CSV and Parquet."""
    write_atomic(folder / f"{stem}.csv", table.to_csv(index=False, float_format="%.10g").encode())
    tmp = folder / f".{stem}.parquet.tmp"
    table.to_parquet(tmp, index=False)
    os.replace(tmp, folder / f"{stem}.parquet")
