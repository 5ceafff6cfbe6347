"""Where the tasks of a run and of a sweep go: this machine's processes (the default), or
a Dask cluster (`--executor dask[=ADDRESS]`, the `dask` extra).

A task is a function of its arguments alone — a batch of shots: the run, its
engine, its seed and the batch's range; a sweep point: the program's text and
the point's values — so the results are byte-identical on every executor and
any number of workers. With no address, Dask runs a local cluster of worker
processes on 127.0.0.1 for the duration of the command; with one, it uses that
scheduler (docs/scaling.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


class ExecutorError(Exception):
    """An executor that cannot be used (dask missing, a scheduler out of reach)."""


@dataclass(frozen=True)
class DaskExecutor:
    """Tasks on a Dask cluster: the scheduler at `address`, or a local cluster of
    `workers` processes started for the work and closed after it."""

    address: str | None = None
    workers: int = 2

    @contextmanager
    def client(self) -> Iterator[Any]:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ExecutorError("the Dask executor needs dask.distributed: pip install "
                                "'qnetlang[dask]'") from None
        if self.address is not None:
            try:
                client = Client(self.address, timeout=30)
            except OSError as error:
                raise ExecutorError(f"no Dask scheduler answers at {self.address}: "
                                    f"{error}") from None
            with client:
                yield client
            return
        with LocalCluster(n_workers=self.workers, threads_per_worker=1, processes=True,
                          host="127.0.0.1", dashboard_address=None) as cluster, \
                Client(cluster) as client:
            yield client

    def map(self, function: Callable[..., Any], items: Iterable[Any],
            shared: Any = None) -> Iterator[Any]:
        """function(item, shared) for each item, in the items' order; `shared` goes to
        each worker once."""
        with self.client() as client:
            common = client.scatter(shared, broadcast=True) if shared is not None else None
            futures = client.map(function, list(items), shared=common, pure=False)
            for future in futures:
                yield future.result()


_SHARED: Any = None  # a local worker's copy of what every task shares


def _keep_shared(shared: Any) -> None:
    """A local worker's start: it keeps what every task shares, sent to it once."""
    global _SHARED
    _SHARED = shared


def _with_shared(task: tuple[Callable[..., Any], Any]) -> Any:
    function, item = task
    return function(item, _SHARED)


def local_map(function: Callable[..., Any], items: Iterable[Any], shared: Any,
              workers: int) -> Iterator[Any]:
    """function(item, shared) for each item, in the items' order, on `workers` processes
    of this machine (forked: `shared` is copied to each once). A worker that dies (killed
    for its memory, say) raises BrokenProcessPool here instead of leaving the map waiting."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=_keep_shared, initargs=(shared,)) as pool:
        yield from pool.map(_with_shared, [(function, item) for item in items])


def parse_executor(text: str, workers: int) -> DaskExecutor | None:
    """`local` (None: this machine's processes), `dask` or `dask=ADDRESS`."""
    kind, _, address = text.partition("=")
    if kind == "local" and not address:
        return None
    if kind == "dask":
        return DaskExecutor(address or None, max(1, workers))
    raise ValueError("use local, dask or dask=ADDRESS (e.g. dask=tcp://10.0.0.5:8786)")
