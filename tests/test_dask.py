"""The Dask run writes the same bytes and the same report as the plain run, and a killed worker loses no photo."""

from __future__ import annotations

import hashlib
import os
import signal
from pathlib import Path

import pytest

from course_lib import catalogue, cli, cutout, imageio, scale_out, synth

TIMING = {"seconds", *(f"{stage}_s" for stage in cutout.STAGES)}


def _outputs(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and not p.name.startswith("report.")}


def _rows_without_times(folder: Path) -> list[dict]:
    rows = catalogue.read_report(folder)["rows"]
    return [{k: v.replace(str(folder), "OUT") if isinstance(v, str) else v
             for k, v in row.items() if k not in TIMING} for row in rows]


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    (folder / "shelf").mkdir()
    for k in range(12):
        name = f"shelf/p{k:02d}.png" if k % 3 == 0 else f"p{k:02d}.png"
        imageio.save_png(folder / name, synth.make_sample(300 + k, size=112).rgb)
    return folder


@pytest.fixture(scope="module")
def client():
    with scale_out.local_client(n_workers=2) as dask_client:
        yield dask_client
        dask_client.cluster.close()


def test_dask_writes_byte_identical_outputs_and_the_same_report(photos, tmp_path, client):
    plain, distributed = tmp_path / "plain", tmp_path / "dask"
    assert cli.main([str(photos), "--out", str(plain), "--method", "cnn", "--mask", "-q"]) == 0   # lesson 06's chain
    settings = cutout.RunSettings(method="cnn", spec=cutout.OutputSpec(mask=True))
    entries = catalogue.plan(catalogue.find_inputs([photos], exclude=distributed), distributed, settings.spec)
    result = scale_out.run_dask(entries, settings, client)
    catalogue.write_report(distributed, result.rows, catalogue.summarise(result))
    expected = _outputs(plain)
    assert len(expected) == 24                                   # 12 cut-outs and 12 masks
    assert _outputs(distributed) == expected, "the Dask run wrote different bytes"
    assert _rows_without_times(distributed) == _rows_without_times(plain)


def test_the_tool_runs_on_a_cluster_given_by_its_address(photos, tmp_path, client):
    plain, distributed = tmp_path / "plain", tmp_path / "dask"
    args = ["--method", "otsu", "--background", "white", "--crop-margin", "4", "-q"]
    address = client.scheduler.address                           # as for a real cluster: tcp://host:port
    assert cli.main([str(photos), "--out", str(plain), *args]) == 0
    assert cli.main([str(photos), "--out", str(distributed), "--dask", address, *args]) == 0
    assert _outputs(distributed) == _outputs(plain) and len(_outputs(plain)) == 12
    assert _rows_without_times(distributed) == _rows_without_times(plain)
    assert catalogue.read_report(distributed)["summary"]["runner"] == f"dask ({address})"
    assert client.run(os.getpid), "the tool must leave a cluster it did not start running"


def test_a_worker_killed_mid_run_loses_no_photo(photos, tmp_path, client):
    settings = cutout.RunSettings(method="grabcut")
    reference = tmp_path / "plain"
    catalogue.run(catalogue.plan(catalogue.find_inputs([photos]), reference, settings.spec), settings)

    out = tmp_path / "dask"
    entries = catalogue.plan(catalogue.find_inputs([photos]), out, settings.spec)
    pids = client.run(os.getpid)                                  # worker address → process id
    killed = []

    def kill_a_busy_worker(rows):
        if killed:
            return
        busy = [address for address, keys in client.processing().items() if keys and address in pids]
        if busy:
            os.kill(pids[busy[0]], signal.SIGKILL)
            killed.append(busy[0])

    result = scale_out.run_dask(entries, settings, client, batch_size=1, on_rows=kill_a_busy_worker)
    assert killed, "no worker was busy after the first photo: the test did not kill anything"
    assert [r["status"] for r in result.rows] == ["ok"] * 12, [r["error"] for r in result.rows if r["error"]]
    assert _outputs(out) == _outputs(reference), "a photo was lost or differs after the worker died"
    assert all(cutout.output_is_complete(p) for p in out.rglob("*.png")), "a partial PNG was left"
    assert set(client.run(os.getpid).values()) != set(pids.values()), "the killed worker was not replaced"
