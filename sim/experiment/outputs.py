"""Output folders that cannot lie: checked before any run, locked while written, committed whole.

A command that writes results opens its `--out` as an `OutputFolder` before it runs anything:
the location is checked (a folder, or one that can be made; writable) and locked, so a second
command writing into the same folder is refused at once. Results are written into a staging
folder inside it and then committed:

1. `INCOMPLETE` is written (a note saying the folder is being replaced) and `manifest.json`
   removed; 2. the previous results and their derived report files are removed and the staged
   files renamed into place (each rename is atomic); 3. a new `manifest.json` lists every result
   file with its SHA-256 and the run id; 4. `INCOMPLETE` is removed.

A process killed at any moment therefore leaves either the previous complete results (before
step 1; the simulation itself writes nothing here) or a folder marked `INCOMPLETE`; readers
(`verify_results`) refuse a folder that is marked, has no manifest, or whose files do not match
it. The lock is an advisory `flock` on `.specsim.lock`, which the kernel releases when the
process ends, however it ends; worker processes forked while it is held do not inherit it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd

from sim.config.limits import shown
from sim.experiment.store import write_atomic, write_json

try:  # POSIX; on Windows the lock is msvcrt's byte-range lock
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK = ".specsim.lock"
MANIFEST = "manifest.json"
INCOMPLETE = "INCOMPLETE"
STAGING = ".specsim-staging-"
DERIVED = ("comparison.csv", "comparison.md", "comparison.xlsx", "validation.csv", "report.html",
           "finance_summary.csv", "figures")
"""Files `report` draws from the results; removed whenever new results are committed."""
_HELD: set[int] = set()


class OutputError(Exception):
    """An output or results folder that cannot be used: one line, exit code 2."""


def _close_held_in_child() -> None:
    """A forked worker must not keep the parent's lock alive after the parent dies."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_in_child)


def _describe(path: Path) -> str:
    """'a file', 'a device'... for a path that is not a folder."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return "a broken link"
    return ("a file" if stat.S_ISREG(mode) else "a device" if stat.S_ISCHR(mode)
            or stat.S_ISBLK(mode) else "a named pipe" if stat.S_ISFIFO(mode) else "a socket")


def check_output(out: Path, option: str = "--out") -> None:
    """Refuse an output location that cannot hold results, without creating anything."""
    out = Path(out)
    if not str(out).strip() or "\x00" in str(out):
        raise OutputError(f"{option} {str(out)!r}: give a folder name")
    try:
        if out.exists() or out.is_symlink():
            if not out.is_dir():
                raise OutputError(f"{option} {out}: is {_describe(out)}, not a folder; give a "
                                  "folder (it is created if missing)")
            if not os.access(out, os.W_OK | os.X_OK):
                raise OutputError(f"{option} {out}: the folder is not writable")
            return
        parent = out.absolute().parent
        while not parent.exists() and not parent.is_symlink():
            parent = parent.parent
        if not parent.is_dir():
            raise OutputError(f"{option} {out}: cannot be created, {parent} is "
                              f"{_describe(parent)}, not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise OutputError(f"{option} {out}: cannot be created, {parent} is not writable")
    except OSError as exc:
        raise OutputError(f"{option} {out}: {exc.strerror or exc}") from None


def _holder(command: str, run_id: str) -> str:
    return (f"pid {os.getpid()}, specsim {command}, started "
            f"{time.strftime('%Y-%m-%d %H:%M:%S')}, run {run_id}")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class OutputFolder:
    """A checked, locked output folder; use with `with`. `staging` is where results are
    written; `commit(kind)` moves them into place (see the module docstring)."""

    def __init__(self, path: Path, command: str, create: bool = True, option: str = "--out"):
        self.path = Path(path)
        self.command = command
        self.create = create
        self.option = option
        self.run_id = uuid.uuid4().hex[:12]
        self._fd: int | None = None
        self._created: Path | None = None
        self._staging: Path | None = None

    # -- lifetime ---------------------------------------------------------------------------
    def __enter__(self) -> OutputFolder:
        check_output(self.path, self.option)
        if not self.create and not self.path.is_dir():
            raise OutputError(f"{self.option} {self.path}: no such folder")
        top = next((p for p in [self.path, *self.path.absolute().parents] if p.exists()), None)
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._created = self._first_new(top)
            self._lock()
        except OSError as exc:  # not the lock being held (an OutputError): nothing to undo
            self._remove_created()
            raise OutputError(f"{self.option} {self.path}: cannot write there "
                              f"({exc.strerror or exc})") from None
        self._clean_leftovers()
        return self

    def _first_new(self, existing: Path | None) -> Path | None:
        """The outermost folder this call created (removed again if the command fails)."""
        absolute = self.path.absolute()
        if existing is None or existing.absolute() == absolute:
            return None
        parts = absolute.relative_to(existing.absolute()).parts
        return existing.absolute() / parts[0]

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._staging is not None:
            shutil.rmtree(self._staging, ignore_errors=True)
        if kind is not None and self._created is not None and self._only_lock_left():
            self._remove_created()
        self._unlock()

    def _only_lock_left(self) -> bool:
        try:
            return {p.name for p in self.path.iterdir()} <= {LOCK}
        except OSError:
            return False

    def _remove_created(self) -> None:
        if self._created is not None:
            shutil.rmtree(self._created, ignore_errors=True)
            self._created = None

    # -- the lock ---------------------------------------------------------------------------
    def _lock(self) -> None:
        path = self.path / LOCK
        for _ in range(3):  # the file may be replaced between open and lock: retry
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                _try_lock(fd)
            except BlockingIOError:
                os.lseek(fd, 0, os.SEEK_SET)
                holder = os.read(fd, 300).decode("utf-8", "replace").strip() or "unknown"
                os.close(fd)
                raise OutputError(f"{self.option} {self.path}: in use by another specsim command "
                                  f"({holder}); wait for it to finish or choose another "
                                  "--out") from None
            if os.path.exists(path) and os.fstat(fd).st_ino == os.stat(path).st_ino:
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, _holder(self.command, self.run_id).encode())
                self._fd = fd
                _HELD.add(fd)
                return
            os.close(fd)
        raise OutputError(f"{self.option} {self.path}: could not take the lock {path}")

    def _unlock(self) -> None:
        if self._fd is not None:
            _HELD.discard(self._fd)
            with contextlib.suppress(OSError):
                os.close(self._fd)  # closing releases the lock
            self._fd = None

    def _ours(self) -> bool:
        """Does the folder hold specsim results (complete or not)? Only then are files other
        than this command's own ever removed from it."""
        return any((self.path / name).exists() for name in (MANIFEST, INCOMPLETE, "runs"))

    def _clean_leftovers(self) -> None:
        """Staging folders and temporary files of commands that were killed (we hold the lock,
        so nobody else is writing them)."""
        for item in self.path.glob(f"{STAGING}*"):
            shutil.rmtree(item, ignore_errors=True)
        if not self._ours():
            return
        for folder in (self.path, self.path / "runs"):
            for item in folder.glob(".*.tmp"):  # write_atomic's: .<name>.<random>.tmp
                with contextlib.suppress(OSError):
                    item.unlink()

    # -- writing ----------------------------------------------------------------------------
    @property
    def staging(self) -> Path:
        """Where this command writes its results before `commit`."""
        if self._staging is None:
            self._staging = self.path / f"{STAGING}{self.run_id}"
            self._staging.mkdir()
        return self._staging

    def mark_incomplete(self) -> None:
        """Say, on disk, that the folder is being replaced (steps 1 of the commit)."""
        text = (f"This folder is incomplete: {_holder(self.command, self.run_id)} was writing "
                "it and did not finish.\nIts files may come from different runs, so "
                "`specsim report` refuses it. Run the command again to replace it.\n")
        write_atomic(self.path / INCOMPLETE, text.encode())
        (self.path / MANIFEST).unlink(missing_ok=True)

    def commit(self, kind: str, meta: dict[str, Any] | None = None) -> None:
        """Move every staged file into place and write the manifest (steps 1-4)."""
        staged = sorted(p.name for p in self.staging.iterdir() if p.is_file())
        files = {name: {"sha256": sha256(self.staging / name),
                        "bytes": (self.staging / name).stat().st_size} for name in staged}
        old = _manifest_files(self.path)
        stale = [*old, *DERIVED] if self._ours() else []  # never in a folder of someone else's
        self.mark_incomplete()
        for name in stale:
            if name not in files:
                _remove(self.path / name)
        for name in staged:
            os.replace(self.staging / name, self.path / name)
        _sync_folder(self.path)
        write_json(self.path / MANIFEST, {
            "format": 1, "kind": kind, "run_id": self.run_id, "command": self.command,
            "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "files": files, **(meta or {})})
        (self.path / INCOMPLETE).unlink()
        _sync_folder(self.path)


def _remove(path: Path) -> None:
    """A stale result or report file; for the figures folder, only the figures in it."""
    if path.is_dir() and not path.is_symlink():
        for item in [*path.glob("*.png"), *path.glob("*.svg")]:
            item.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            path.rmdir()  # only if nothing else is in it
    else:
        path.unlink(missing_ok=True)


def _try_lock(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return
    import msvcrt  # pragma: no cover - Windows

    try:  # pragma: no cover
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # pragma: no cover
        raise BlockingIOError from None


def _sync_folder(path: Path) -> None:
    """Make the renames durable (POSIX; a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError, AttributeError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _manifest_files(folder: Path) -> dict[str, Any]:
    try:
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("files", {})
        return files if isinstance(files, dict) else {}
    except (OSError, ValueError, AttributeError):
        return {}


@contextlib.contextmanager
def output_folder(out: Path | OutputFolder, command: str) -> Iterator[OutputFolder]:
    """`out` itself if it is already an open OutputFolder, else `out` opened (and closed)."""
    if isinstance(out, OutputFolder):
        yield out
    else:
        with OutputFolder(Path(out), command) as folder:
            yield folder


# -- reading ------------------------------------------------------------------------------------
def verify_results(folder: Path, needed: Sequence[str], what: str) -> dict[str, Any]:
    """The manifest of a complete results folder holding `needed`, or an OutputError naming
    the file: marked incomplete, missing files, no manifest, or a file that does not match."""
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(f"{folder}: not a folder (expected {what})")
    if (folder / INCOMPLETE).exists():
        raise OutputError(f"{folder}: incomplete, a specsim command stopped while writing it "
                          f"(see {folder / INCOMPLETE}); its files may come from different "
                          "runs. Run the command again")
    missing = [n for n in needed if not (folder / n).is_file()]
    if missing:
        raise OutputError(f"{folder}: missing {', '.join(missing)} (expected {what})")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        files = manifest["files"]
    except FileNotFoundError:
        raise OutputError(f"{folder}: no {MANIFEST}, so nothing shows its files come from one "
                          "run (an older specsim, or files put there by hand); run the command "
                          "again") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(f"{folder / MANIFEST}: not a valid manifest "
                          f"({type(exc).__name__}); run the command again") from None
    if not isinstance(files, dict):
        raise OutputError(f"{folder / MANIFEST}: not a valid manifest (no file list); run the "
                          "command again")
    run_id = manifest.get("run_id")
    for name in files:
        if not isinstance(name, str) or Path(name).name != name or name.startswith("."):
            raise OutputError(f"{folder / MANIFEST}: not a valid manifest (file {shown(name)})")
    for name in needed:
        if name not in files:
            raise OutputError(f"{folder / name}: not listed in {MANIFEST}, so it is not from "
                              f"run {run_id}; run the command again")
    for name, entry in files.items():  # every file of the run, not only those read
        path = folder / name
        if not path.is_file():
            raise OutputError(f"{path}: listed in {MANIFEST} but missing; run the command again")
        if (not isinstance(entry, dict) or path.stat().st_size != entry.get("bytes")
                or sha256(path) != entry.get("sha256")):
            raise OutputError(f"{path}: does not match {MANIFEST} (changed, truncated or from "
                              f"another run than {run_id}); run the command again")
    return manifest


def seal(folder: Path, names: Sequence[str], kind: str = "run") -> None:
    """Write the manifest of a results folder assembled by hand (e.g. from tables made in
    Python), so that `specsim report` accepts it."""
    folder = Path(folder)
    files = {n: {"sha256": sha256(folder / n), "bytes": (folder / n).stat().st_size}
             for n in names}
    write_json(folder / MANIFEST, {"format": 1, "kind": kind, "run_id": "sealed-by-hand",
                                   "command": "seal", "files": files,
                                   "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})


def read_table(path: Path) -> pd.DataFrame:
    """A Parquet table, or an OutputError naming the file if it cannot be read."""
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many kinds; all mean the same to a planner
        first = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise OutputError(f"{path}: not a readable Parquet file ({first}); delete it and run "
                          "the command again") from None
