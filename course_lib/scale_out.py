"""Past one machine: the same per-photo function on a Dask cluster, and what a million photos cost.

:func:`run_dask` sends the chunks of :func:`course_lib.catalogue.chunks` —
the same chunks the plain run makes — to Dask workers as tasks that call
:func:`course_lib.cutout.process_chunk`, the function the plain command-line
run calls. Each worker process loads the model once and keeps it. Outputs are
written by the workers, atomically, straight into the output folder, so:

- the files are the same bytes as the plain run's (same chunks, same code);
- a worker that dies mid-task loses nothing: its tasks run again on another
  worker (Dask's scheduler does that), and a photo whose output the dead worker
  had already written finds an identical file there and counts it as written;
  a chunk that kills workers again and again is reported, photo by photo;
- on a real cluster, the input and output folders must be on storage every
  worker sees (NFS, a shared disk); only paths and report rows travel.

Here the cluster is a :class:`dask.distributed.LocalCluster` (worker
processes on this machine). Pointing the same code at a real cluster changes
one line: ``Client("tcp://scheduler-host:8786")`` instead of :func:`local_client`
(after ``dask scheduler`` on one machine and ``dask worker tcp://scheduler-host:8786``
on each of the others).

:func:`catalogue_cost` turns measured throughput into hours for a catalogue.

>>> cost = catalogue_cost(1_000_000, images_per_second=10.0, machines=4, startup_seconds=20)
>>> round(cost["wall_hours"], 2), round(cost["machine_hours"], 1)
(6.95, 27.8)
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable

from course_lib import catalogue, cutout

__all__ = ["local_client", "run_dask", "catalogue_cost"]


def local_client(n_workers: int = 2, threads_per_worker: int = 1, **cluster_options):
    """Return a Dask ``Client`` on a new ``LocalCluster`` of ``n_workers`` worker processes on this machine.

    Close it (``client.close(); client.cluster.close()``, or use it in a
    ``with`` block) when done. No dashboard is started (the kit runs offline
    and needs no web server).
    """
    import dask
    from dask.distributed import Client, LocalCluster

    # workers holding TensorFlow take a few seconds to exit; the nanny's warning that it killed them is no news
    logging.getLogger("distributed.nanny").setLevel(logging.ERROR)
    cluster_options.setdefault("dashboard_address", None)
    # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ (and one BLAS/OpenMP thread) in os.environ before it starts a
    # worker. The first makes every large NumPy temporary a fresh mmap: lesson 06's chain ran 60 % slower in a
    # worker than in this process (measured at 512×512). Both would also leak into this process's environment.
    unset = {f"distributed.nanny.pre-spawn-environ.{name}": None
             for name in dask.config.get("distributed.nanny.pre-spawn-environ")}
    with dask.config.set(unset):
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=threads_per_worker, processes=True,
                               **cluster_options)
    return Client(cluster)


def _lost_rows(entries, group, exc: BaseException) -> list[dict]:
    return [cutout.report_row(entries[i].job,
                              error=f"not processed: the Dask task of {entries[i].job.source} failed "
                                    f"({type(exc).__name__}: {exc})") for i in group]


def run_dask(entries: list[catalogue.Entry], settings: cutout.RunSettings, client, *,
             batch_size: int | None = None, on_rows: Callable[[list[dict]], None] | None = None,
             clock: Callable[[], float] = time.perf_counter) -> catalogue.RunResult:
    """Run the jobs of ``entries`` on the Dask cluster behind ``client``; return rows as :func:`catalogue.run` does.

    One task per chunk of :func:`course_lib.catalogue.chunks` (``batch_size``
    photos, by default the method's). ``on_rows`` is called as each chunk
    finishes, in whatever order they finish; the rows come back in the
    entries' order. Ctrl-C cancels the tasks not finished and reports their
    photos as ``interrupted``.
    """
    from dask.distributed import as_completed

    batch_size = batch_size or cutout.METHODS[settings.method].batch_size
    groups = catalogue.chunks(entries, batch_size)
    rows = [e.row for e in entries]
    run_id = uuid.uuid4().hex[:8]
    start, interrupted = clock(), False
    futures = {client.submit(cutout.process_chunk, [entries[i].job for i in group], settings,
                             key=f"cutout-{run_id}-{k}", pure=False): group
               for k, group in enumerate(groups)}
    try:
        for future in as_completed(list(futures)):
            group = futures[future]
            try:
                done = future.result()
            except Exception as exc:                    # e.g. KilledWorker: the chunk killed workers repeatedly
                done = _lost_rows(entries, group, exc)
            catalogue.record(rows, group, done, on_rows)
    except KeyboardInterrupt:
        interrupted = True
        client.cancel(list(futures))
    return catalogue.finish(rows, entries, clock() - start, interrupted)


def catalogue_cost(n_images: int, images_per_second: float, *, machines: int = 1, startup_seconds: float = 0.0,
                   efficiency: float = 1.0, price_per_machine_hour: float | None = None) -> dict:
    """Return the hours (and cost) of cutting out ``n_images`` on ``machines`` machines, on paper.

    Parameters
    ----------
    n_images : int
    images_per_second : float
        Measured throughput of *one* machine (e.g. the tool's report on this one).
    machines : int
    startup_seconds : float
        Each machine's fixed cost before its first photo (importing TensorFlow, loading the model).
    efficiency : float in (0, 1]
        The share of that throughput a cluster keeps (scheduling, shared storage);
        measure it as the Dask run's images/s over the plain run's on the same machine.
    price_per_machine_hour : float, optional
        Your provider's price; gives ``cost``.

    Returns
    -------
    dict with ``wall_hours`` (until the last photo is done), ``machine_hours``
    (what is paid for), ``images_per_second`` of the whole cluster, and ``cost``
    (None without a price).
    """
    if n_images < 0 or images_per_second <= 0 or machines < 1 or not 0 < efficiency <= 1:
        raise ValueError(f"need n_images ≥ 0, images_per_second > 0, machines ≥ 1 and efficiency in (0, 1]; got "
                         f"{n_images}, {images_per_second}, {machines}, {efficiency}")
    cluster_rate = machines * images_per_second * efficiency
    wall_seconds = startup_seconds + n_images / cluster_rate
    machine_hours = machines * wall_seconds / 3600
    return {"wall_hours": wall_seconds / 3600, "machine_hours": machine_hours, "images_per_second": cluster_rate,
            "cost": None if price_per_machine_hour is None else machine_hours * price_per_machine_hour}
