"""The anomaly API without a worker: bad input is a 400 (or 404/409) with nothing stored, good input is stored
and queued, expired runs are purged, and the schema documents every path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.anomaly.models import AnomalyRun
from apps.core.models import Job
from tests.integration.anomaly.conftest import csv_upload, media_files, table_csv
from tests.integration.core.test_core_api import broker_down

pytestmark = pytest.mark.django_db(transaction=True)


def post_table(client, **fields):
    return client.post("/api/anomaly/tables/", fields, format="multipart")


def assert_nothing_stored() -> None:
    assert not AnomalyRun.objects.exists()
    assert media_files() == []
    assert not Job.objects.filter(kind__startswith="anomaly.").exists()


def test_a_good_table_is_stored_and_queued(api_client):
    response = post_table(api_client, file=csv_upload(table_csv()), label_column="is_odd")
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["rows"] == 60
    run = AnomalyRun.objects.get(id=body["id"])
    assert run.kind == "table" and run.params["label_column"] == "is_odd"
    assert run.params["columns"] == ["a", "b", "colour"]  # the label column is not a feature
    assert run.job.kind == "anomaly.table" and run.job.queue == "training"
    assert str(run.id) not in str(run.job.params)  # the job API is public; the run's id is its only key
    assert [p.name for p in media_files()] == ["input.csv"]
    detail = api_client.get(body["url"])
    assert detail.status_code == 200 and detail.json()["id"] == body["id"]


def test_the_example_table_needs_no_upload(api_client):
    response = post_table(api_client, example="breast-cancer", label_column="malignant")
    assert response.status_code == 202, response.content
    assert response.json()["rows"] == 569 and response.json()["source"] == "breast-cancer"


BINARY = bytes(range(256)) * 8


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"file": csv_upload(BINARY, "x.csv")}, "file"),  # not text
        ({"file": csv_upload(b"", "x.csv")}, "file"),  # empty
        ({"file": csv_upload("a,b\n1,2\n")}, "file"),  # one row
        ({"file": csv_upload("name,city\n" + "x,y\n" * 30)}, "columns"),  # no numeric column
        ({"file": csv_upload(table_csv()), "columns": "a,nope"}, "columns"),  # unknown column
        ({"file": csv_upload(table_csv()), "label_column": "nope"}, "label_column"),
        ({"file": csv_upload(table_csv()), "contamination": "0.9"}, "contamination"),
        ({"file": csv_upload(table_csv()), "example": "breast-cancer"}, "file"),  # both
        ({}, "file"),  # neither
        ({"example": "iris"}, "example"),
    ],
)
def test_bad_tables_are_400_and_nothing_is_stored(fields, field, api_client):
    response = post_table(api_client, **fields)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and any(key.startswith(field) for key in error["details"]), error
    assert_nothing_stored()


def test_a_table_over_the_size_limit_is_refused(api_client, settings):
    settings.AEWEB_ANOMALY_MAX_BYTES = 2000
    response = post_table(api_client, file=csv_upload(table_csv(200)))
    assert response.status_code in (400, 413), response.content
    assert_nothing_stored()


def test_text_and_constant_columns_are_noted_not_fatal(api_client):
    lines = ["x,y,const,words"] + [f"{(k * 37) % 13 + 0.5},{k % 7 if k != 5 else 'n/a'},3,w{k}" for k in range(40)]
    response = post_table(api_client, file=csv_upload("\n".join(lines) + "\n"))
    assert response.status_code == 202, response.content
    run = AnomalyRun.objects.get(id=response.json()["id"])
    assert "const" not in run.params["columns"] and "words" not in run.params["columns"]
    assert {"x", "y"} <= set(run.params["columns"])


def test_broker_down_is_503_and_nothing_is_stored(api_client):
    with broker_down():
        response = post_table(api_client, file=csv_upload(table_csv()))
    assert response.status_code == 503
    assert not AnomalyRun.objects.exists() and media_files() == []


@pytest.mark.parametrize("run_id", ["00000000-0000-0000-0000-000000000000", "not-a-uuid"])
def test_unknown_runs_are_404(run_id, api_client):
    for path in (f"/api/anomaly/tables/{run_id}/", f"/api/anomaly/series/{run_id}/"):
        response = api_client.get(path)
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    response = api_client.post(f"/api/anomaly/tables/{run_id}/score/", {"rows": [{"a": 1}]}, format="json")
    assert response.status_code == 404


def test_a_table_is_not_found_as_a_series(api_client):
    run_id = post_table(api_client, file=csv_upload(table_csv())).json()["id"]
    assert api_client.get(f"/api/anomaly/series/{run_id}/").status_code == 404


def test_scoring_rows_before_the_fit_is_409(api_client):
    run_id = post_table(api_client, file=csv_upload(table_csv())).json()["id"]
    response = api_client.post(f"/api/anomaly/tables/{run_id}/score/", {"rows": [{"a": 1, "b": 2}]}, format="json")
    assert response.status_code == 409, response.content
    for rows in ([], "x", [1, 2]):
        response = api_client.post(f"/api/anomaly/tables/{run_id}/score/", {"rows": rows}, format="json")
        assert response.status_code == 400, (rows, response.content)


def test_a_shipped_series_and_an_upload_are_queued(api_client):
    response = api_client.post("/api/anomaly/series/", {"series": "yahoo"}, format="multipart")
    assert response.status_code == 202, response.content
    assert response.json()["rows"] == 1000
    values = "\n".join(["value"] + [str((k % 24) / 3) for k in range(500)])
    response = api_client.post("/api/anomaly/series/", {"file": csv_upload(values), "window": "24"}, format="multipart")
    assert response.status_code == 202, response.content
    assert AnomalyRun.objects.filter(kind="series").count() == 2


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"series": "nope"}, "series"),
        ({}, "file"),
        ({"file": csv_upload(BINARY, "s.csv")}, "file"),
        ({"file": csv_upload("value\n1\n2\n3\n")}, "file"),  # too short
        ({"file": csv_upload("value\n" + "x\n" * 100)}, "file"),  # no numbers
        ({"series": "yahoo", "model": "transformer"}, "model"),
        ({"series": "yahoo", "window": "2"}, "window"),
    ],
)
def test_bad_series_are_400_and_nothing_is_stored(fields, field, api_client):
    response = api_client.post("/api/anomaly/series/", fields, format="multipart")
    assert response.status_code == 400, response.content
    assert any(key.startswith(field) for key in response.json()["error"]["details"]), response.json()
    assert_nothing_stored()


def test_image_results_list_both_data_sets_and_scoring_needs_a_model(api_client):
    response = api_client.get("/api/anomaly/images/")
    assert response.status_code == 200
    assert [d["dataset"] for d in response.json()] == ["fashion-mnist", "mnist"]
    assert all(d["models"] == [] for d in response.json())
    response = api_client.post(
        "/api/anomaly/images/score/", {"dataset": "fashion-mnist", "normal_class": 3, "test_index": 0}, format="json"
    )
    assert response.status_code == 409 and "train anomaly" in response.json()["error"]["message"]
    response = api_client.post("/api/anomaly/images/score/", {"normal_class": 12, "test_index": 0}, format="json")
    assert response.status_code == 400


def test_expired_runs_are_purged_with_their_files(api_client):
    from apps.anomaly.services import anomaly_runs_purge

    keep = post_table(api_client, file=csv_upload(table_csv())).json()["id"]
    old = post_table(api_client, file=csv_upload(table_csv())).json()["id"]
    AnomalyRun.objects.filter(id=old).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert anomaly_runs_purge() == 1
    assert list(AnomalyRun.objects.values_list("id", flat=True)) == [AnomalyRun.objects.get(id=keep).id]
    assert all(keep in str(p) for p in media_files())


def test_the_schema_documents_every_anomaly_path(api_client):
    paths = api_client.get("/api/schema/?format=json").json()["paths"]
    for path in (
        "/api/anomaly/tables/", "/api/anomaly/tables/{run_id}/", "/api/anomaly/tables/{run_id}/score/",
        "/api/anomaly/series/", "/api/anomaly/series/{run_id}/", "/api/anomaly/images/",
        "/api/anomaly/images/score/",
    ):  # fmt: skip
        assert path in paths, path


def test_the_page_renders_three_tabs(client):
    response = client.get("/anomaly/")
    assert response.status_code == 200
    html = response.content.decode()
    for tab in ('id="tables"', 'id="series"', 'id="images"'):
        assert tab in html
    assert "yahoo" in html  # a shipped series read from the installed package
