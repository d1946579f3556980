import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_batch import archive

from classifier.archive.batch import ScoreOptions, score_archive
from classifier.archive.dask_engine import score_with_dask
from classifier.errors import InputError


@pytest.fixture(scope="module")
def client():
    from dask.distributed import Client, LocalCluster

    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                           dashboard_address=None)
    with Client(cluster) as client:
        yield client
    cluster.close()


def test_the_dask_engine_gives_the_local_engine_scores(tmp_path, tiny_model_path, client):
    source = archive(tmp_path / "in.jsonl", 90)
    options = ScoreOptions(chunk_size=20)
    summary = score_with_dask([source], tmp_path / "dask", model_path=tiny_model_path,
                              options=options, client=client)
    score_archive([source], tmp_path / "local.parquet", model_path=tiny_model_path,
                  options=options)
    parts = sorted(p.name for p in (tmp_path / "dask").iterdir())
    assert parts == [f"part-{k:06d}.parquet" for k in range(5)]
    distributed = pd.read_parquet(tmp_path / "dask")
    local = pd.read_parquet(tmp_path / "local.parquet")
    pd.testing.assert_frame_equal(distributed.reset_index(drop=True), local)
    assert summary["records"] == 90 and summary["rows"] == 90
    assert not (tmp_path / ".dask.partial").exists()


def test_rejects_and_an_existing_output(tmp_path, tiny_model_path, client):
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": 1, "text": "They shot the hostages."}\nbroken\n')
    summary = score_with_dask([path], tmp_path / "out", model_path=tiny_model_path,
                              skip_bad=True, client=client)
    assert summary["rejected"] == 1 and (tmp_path / "out" / "rejects.jsonl").exists()
    with pytest.raises(InputError, match="the output folder exists"):
        score_with_dask([path], tmp_path / "out", model_path=tiny_model_path, client=client)
    with pytest.raises(InputError, match="line 2: not valid JSON"):
        score_with_dask([path], tmp_path / "other", model_path=tiny_model_path, client=client)
    assert not (tmp_path / "other").exists() and not (tmp_path / ".other.partial").exists()


def kill_a_worker_mid_job(source: str, model: str, folder: str, chunk_size: int) -> None:
    """Score ``source`` twice on a local cluster of two worker processes: once clean, once
    with a worker killed (SIGKILL) while it holds chunks; print what happened as JSON.

    Run in a child process (see the test below), so a hang is bounded by its timeout.
    """
    import signal

    from dask.distributed import Client, LocalCluster

    options = ScoreOptions(chunk_size=chunk_size, explain=True)
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    client = Client(cluster)
    try:
        score_with_dask([source], f"{folder}/clean", model_path=model, options=options,
                        client=client)
        pids = client.run(os.getpid)
        killed: dict[str, object] = {}

        def kill_a_busy_worker(records: int) -> None:
            busy = sorted((len(keys), worker) for worker, keys in client.processing().items()
                          if keys and worker in pids)
            if not killed and busy:
                holding, worker = busy[-1]
                os.kill(pids[worker], signal.SIGKILL)
                killed.update(pid=pids[worker], holding=holding, after_records=records)

        summary = score_with_dask([source], f"{folder}/killed", model_path=model,
                                  options=options, client=client,
                                  progress=kill_a_busy_worker)
        alive = list(client.run(os.getpid).values())
        print(json.dumps({"killed": killed, "records": summary["records"], "alive": alive}))
    finally:
        client.close()
        cluster.close()


def test_a_worker_killed_mid_job_is_retried_and_the_output_is_a_clean_runs(tmp_path,
                                                                           tiny_model_path):
    source = archive(tmp_path / "in.jsonl", 2000)
    call = (f"from test_dask_engine import kill_a_worker_mid_job as drill; "
            f"drill({str(source)!r}, {str(tiny_model_path)!r}, {str(tmp_path)!r}, 100)")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(Path(__file__).parent), str(Path(__file__).parent.parent),
         os.environ.get("PYTHONPATH", "")])}
    child = subprocess.run([sys.executable, "-c", call], capture_output=True, text=True,
                           env=env, timeout=300, check=False)
    assert child.returncode == 0, child.stderr[-3000:]
    report = json.loads(child.stdout.strip().splitlines()[-1])
    assert report["killed"]["holding"] >= 1, "no worker held a chunk when it was killed"
    assert report["killed"]["after_records"] < 2000 and report["records"] == 2000
    assert report["killed"]["pid"] not in report["alive"]
    clean = sorted((tmp_path / "clean").iterdir())
    killed = sorted((tmp_path / "killed").iterdir())
    assert [p.name for p in killed] == [p.name for p in clean] == \
        [f"part-{k:06d}.parquet" for k in range(20)]
    for after_kill, uninterrupted in zip(killed, clean, strict=True):
        assert after_kill.read_bytes() == uninterrupted.read_bytes(), after_kill.name
    assert len(pd.read_parquet(tmp_path / "killed")) == 2000


def test_a_chunk_that_keeps_killing_workers_gives_one_line():
    from distributed import KilledWorker

    from classifier.archive.dask_engine import _result
    from classifier.errors import OutputError

    class Dying:
        def result(self):
            raise KilledWorker("_score_part-3", None, 3)

    with pytest.raises(OutputError, match=r"killed every worker it ran on, 4 times"):
        _result(Dying())
