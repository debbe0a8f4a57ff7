from django.urls import path

from apps.denoise import apis, views

api_urlpatterns = [
    path("denoise/", apis.DenoiseCreateApi.as_view(), name="api-denoise"),
    path("denoise/demo/", apis.DaeDemoApi.as_view(), name="api-denoise-demo"),
    path("denoise/<uuid:request_id>/", apis.DenoiseDetailApi.as_view(), name="api-denoise-detail"),
]

# Included under the "denoise" namespace by aeweb/urls.py.
page_urlpatterns = [
    path("denoise/", views.upload_page, name="upload"),
    path("denoise/<uuid:request_id>/", views.result_page, name="result"),
]
