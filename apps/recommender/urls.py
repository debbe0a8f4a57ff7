from django.urls import path

from apps.recommender import apis, views

api_urlpatterns = [
    path("datasets/", apis.DatasetListApi.as_view(), name="api-datasets"),
]

page_urlpatterns = [
    path("datasets/", views.datasets_page, name="datasets"),
    path("rate/", views.rate_page, name="rate"),
]
