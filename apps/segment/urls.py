from django.urls import path

from apps.segment import apis, views

api_urlpatterns = [
    path("segment/", apis.SegmentCreateApi.as_view(), name="api-segment"),
    path("segment/<uuid:request_id>/", apis.SegmentDetailApi.as_view(), name="api-segment-detail"),
]

# Included under the "segment" namespace by aeweb/urls.py.
page_urlpatterns = [
    path("segment/", views.index_page, name="index"),
    path("segment/<uuid:request_id>/", views.result_page, name="result"),
    path("segment/scenes/<int:seed>.png", views.scene_image, name="scene"),
    path("segment/em/<int:index>.png", views.em_image, name="em"),
]
