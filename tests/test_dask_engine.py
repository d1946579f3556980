import pandas as pd
import pytest
from test_batch import archive

from classifier.batch import ScoreOptions, score_archive
from classifier.dask_engine import score_with_dask
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
