from django.urls import path

from apps.inpaint import apis, views

api_urlpatterns = [
    path("inpaint/", apis.InpaintCreateApi.as_view(), name="api-inpaint"),
    path("inpaint/<uuid:request_id>/", apis.InpaintDetailApi.as_view(), name="api-inpaint-detail"),
]

# Included under the "inpaint" namespace by aeweb/urls.py.
page_urlpatterns = [
    path("inpaint/", views.index_page, name="index"),
    path("inpaint/mask.png", views.mask_png, name="mask"),
    path("inpaint/samples/<str:name>.png", views.sample_png, name="sample"),
    path("inpaint/<uuid:request_id>/", views.result_page, name="result"),
]
