"""Running `specsim` as an attacker would, within bounds (importable as `hardening_helpers`).

`run_cases` runs several command lines in one fresh Python process (one import of specsim for
many cases) under a 2 GB address-space limit, with a 60 s alarm per case and a timeout on the
whole process, so no case can exhaust memory or hang CI. Each result has the exit code, stdout,
stderr and the seconds taken. `assert_refused` is the acceptance test of one bad input: exit
code 2, at most three lines, no traceback, and the words that name file, key and value.
"""

from __future__ import annotations

import ctypes
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TINY = Path(__file__).resolve().parent / "tiny.yaml"
MEMORY = 2 << 30
CASE_SECONDS = 60

DRIVER = r"""
import contextlib, io, json, resource, signal, sys, time, traceback
resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))

class CaseTimeout(BaseException):
    pass

def alarm(signum, frame):
    raise CaseTimeout()

signal.signal(signal.SIGALRM, alarm)
from sim.presentation.cli import main
results = []
for argv in json.loads(sys.stdin.read()):
    out, err = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    signal.alarm(SECONDS)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = main(argv)
            except SystemExit as exc:
                rc = exc.code if isinstance(exc.code, int) else 1
    except CaseTimeout:
        rc = "timeout"
    except BaseException:
        rc = "crash"
        err.write(traceback.format_exc())
    finally:
        signal.alarm(0)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    results.append({"rc": rc, "out": out.getvalue(), "err": err.getvalue(),
                    "seconds": time.perf_counter() - start, "peak_bytes": peak})
sys.__stdout__.write("\n@@RESULTS@@" + json.dumps(results))
""".replace("MEMORY", str(MEMORY)).replace("SECONDS", str(CASE_SECONDS))


@dataclass
class Result:
    argv: list[str]
    rc: int | str
    out: str
    err: str
    seconds: float
    peak_bytes: int

    @property
    def lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


def _obey_permissions() -> None:  # pragma: no cover - runs in the child
    """Drop root's power to read and write past file permissions (CAP_DAC_OVERRIDE and
    CAP_DAC_READ_SEARCH) from the bounding set, so the exec'd child obeys chmod."""
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in (1, 2):
        if libc.prctl(24, capability, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def run_cases(cases: Sequence[Sequence[str]], cwd: Path, obey_permissions: bool = False,
              env: dict[str, str] | None = None) -> list[Result]:
    """Run each argv (without the leading `specsim`) in one bounded child process; with
    `obey_permissions`, a root parent's child cannot read or write past chmod either."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1",
                "COLUMNS": "120", **(env or {})}
    full_env.pop("SPECSIM_DEBUG", None)
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER], input=json.dumps([list(c) for c in cases]),
        capture_output=True, text=True, cwd=cwd, env=full_env,
        timeout=30 + CASE_SECONDS * len(cases),
        preexec_fn=_obey_permissions if obey_permissions and is_root() else None, check=False)
    marker = proc.stdout.rfind("@@RESULTS@@")
    assert marker >= 0, f"driver failed (rc {proc.returncode}): {proc.stderr[-3000:]}"
    raw = json.loads(proc.stdout[marker + len("@@RESULTS@@"):])
    return [Result(list(argv), **r) for argv, r in zip(cases, raw, strict=True)]


def assert_refused(result: Result, *needles: str) -> None:
    """Exit code 2, one to three lines, no traceback, and every needle in the message."""
    context = f"{result.argv}: rc={result.rc}\n{result.err}"
    assert result.rc == 2, context
    assert 1 <= len(result.lines) <= 3, context
    assert "Traceback" not in result.err and "Traceback" not in result.out, context
    for needle in needles:
        assert needle in result.err, f"{needle!r} not in: {context}"
    assert result.seconds < CASE_SECONDS and result.peak_bytes < MEMORY, context


def tree(folder: Path) -> set[str]:
    """Every path under `folder`, relative, for 'nothing was written' checks."""
    return {str(p.relative_to(folder)) for p in Path(folder).rglob("*")}


def is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def tiny_text(**changes: str) -> str:
    """tiny.yaml with top-level lines replaced (`name="name: x"`)."""
    lines = TINY.read_text().splitlines()
    for key, line in changes.items():
        lines = [line if existing.startswith(f"{key}:") else existing for existing in lines]
    return "\n".join(lines) + "\n"
