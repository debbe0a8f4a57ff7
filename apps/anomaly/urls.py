from django.urls import path

from apps.anomaly import apis, views

api_urlpatterns = [
    path("anomaly/tables/", apis.TableCreateApi.as_view(), name="api-anomaly-tables"),
    path("anomaly/tables/<str:run_id>/", apis.TableDetailApi.as_view(), name="api-anomaly-table"),
    path("anomaly/tables/<str:run_id>/score/", apis.TableScoreApi.as_view(), name="api-anomaly-table-score"),
    path("anomaly/series/", apis.SeriesCreateApi.as_view(), name="api-anomaly-series-create"),
    path("anomaly/series/<str:run_id>/", apis.SeriesDetailApi.as_view(), name="api-anomaly-series"),
    path("anomaly/images/", apis.ImageResultsApi.as_view(), name="api-anomaly-images"),
    path("anomaly/images/score/", apis.ImageScoreApi.as_view(), name="api-anomaly-image-score"),
]

page_urlpatterns = [
    path("anomaly/", views.index_page, name="index"),
]
