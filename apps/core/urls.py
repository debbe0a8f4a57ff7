from django.urls import path

from apps.core import apis, views

api_urlpatterns = [
    path("health/", apis.HealthApi.as_view(), name="api-health"),
    path("health/live/", apis.HealthLiveApi.as_view(), name="api-health-live"),
    path("ping/", apis.PingApi.as_view(), name="api-ping"),
    path("auth/token/", apis.TokenApi.as_view(), name="api-token"),
    path("jobs/", apis.JobListCreateApi.as_view(), name="api-jobs"),
    path("jobs/<uuid:job_id>/", apis.JobDetailApi.as_view(), name="api-job-detail"),
    path("jobs/<uuid:job_id>/cancel/", apis.JobCancelApi.as_view(), name="api-job-cancel"),
    path("jobs/<uuid:job_id>/retry/", apis.JobRetryApi.as_view(), name="api-job-retry"),
    path("models/", apis.ModelVersionListApi.as_view(), name="api-models"),
    path("models/<int:version_id>/", apis.ModelVersionDetailApi.as_view(), name="api-model-detail"),
    path("models/<int:version_id>/activate/", apis.ModelVersionActivateApi.as_view(), name="api-model-activate"),
]

page_urlpatterns = [
    path("", views.home, name="home"),
    path("models/", views.models_page, name="models"),
    path("jobs/<uuid:job_id>/", views.job_page, name="job"),
]
