"""Where independent runs execute: in-process, a local process pool, or a Dask cluster.

Every executor yields (index, result) as runs finish, in whatever order; callers put results
back by index, so tables never depend on the executor or the number of workers. Executors are
context managers: `with make_executor(...) as executor:` releases the pool or the cluster
connection however the block ends.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from itertools import islice
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, runtime_checkable

T = TypeVar("T")
R = TypeVar("R")


@runtime_checkable
class Executor(Protocol):
    """Runs `fn` on every item and yields (index, result) in completion order.

    Subclass it to inherit the context-manager methods; `close()` releases what the executor
    holds and is safe to call twice.
    """

    workers: int

    def map_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        ...

    def close(self) -> None:
        ...

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


def die_with_parent(parent: int) -> None:
    """Pool worker initializer: end this worker when the process that started it ends, even by
    kill -9 (Linux), instead of leaving it waiting for work that will never come."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def default_workers() -> int:
    """Every core: a run is one CPU-bound process."""
    return os.cpu_count() or 1


class LocalExecutor(Executor):
    """In-process for one worker (easy to debug), else a process pool.

    At most 2 x workers runs are queued at once, so stopping (Ctrl-C) wastes little work and
    finished runs reach the caller (and the disk) as soon as they end. Each call gets its own
    pool, shut down when the call's results are consumed, so there is nothing left to close.
    """

    def __init__(self, workers: int = 1):
        self.workers = max(1, workers)

    def map_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        if self.workers == 1 or len(items) <= 1:
            for k, item in enumerate(items):
                yield k, fn(item)
            return
        pool = ProcessPoolExecutor(max_workers=min(self.workers, len(items)),
                                   initializer=die_with_parent, initargs=(os.getpid(),))
        try:
            pending: dict[Any, int] = {}
            queue = iter(enumerate(items))
            for k, item in islice(queue, 2 * self.workers):
                pending[pool.submit(fn, item)] = k
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    k = pending.pop(future)
                    for nk, item in islice(queue, 1):
                        pending[pool.submit(fn, item)] = nk
                    yield k, future.result()
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Nothing to release: pools live only as long as one `map_unordered`."""


class DaskExecutor(Executor):
    """Runs on a Dask cluster: `tcp://host:port` of a running scheduler, or a `Client`.

    Results come back to this process, which writes them, so workers need no shared disk.
    A client passed in stays open (its owner closes it); one made from an address is closed.
    """

    def __init__(self, scheduler: str | Any):
        try:
            from distributed import Client  # optional extra: imported only when asked for
        except ImportError:  # pragma: no cover - depends on the installed extras
            raise RuntimeError("the Dask executor needs dask.distributed: "
                               "pip install 'specsim[dask]'") from None
        if isinstance(scheduler, str):
            reachable(scheduler)
            self.client = Client(scheduler, timeout="20s")
            self._own = True
        else:
            self.client = scheduler
            self._own = False
        self.workers = max(1, sum(self.client.nthreads().values()))

    def map_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        from distributed import as_completed

        futures = [self.client.submit(fn, item, pure=False) for item in items]
        index = {f.key: k for k, f in enumerate(futures)}
        try:
            for future in as_completed(futures):
                yield index[future.key], future.result()
        finally:
            for future in futures:
                future.cancel()

    def close(self) -> None:
        if self._own:
            self.client.close()
            self._own = False


def reachable(address: str, seconds: float = 5.0) -> None:
    """Refuse at once (OSError) a scheduler whose host does not answer on its port, rather than
    after the Dask client's 20 s of retries."""
    rest = address.split("://", 1)[-1]
    host, _, port = rest.rpartition(":")
    if not port.isdigit() or not host:
        return  # not host:port (e.g. inproc://): leave it to Dask
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=seconds).close()
    except OSError as exc:
        raise OSError(f"cannot reach {address}: {exc.strerror or exc}") from None


def make_executor(workers: int = 1, scheduler: str | Any | None = None) -> Executor:
    """`scheduler` (address or Client) selects Dask; otherwise a local pool of `workers`."""
    if scheduler is not None:
        return DaskExecutor(scheduler)
    return LocalExecutor(workers)
