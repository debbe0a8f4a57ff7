from django.urls import path

from apps.gallery import apis, views

api_urlpatterns = [
    path("gallery/", apis.ImageListApi.as_view(), name="api-gallery"),
    path("gallery/<int:image_id>/", apis.ImageDetailApi.as_view(), name="api-gallery-image"),
    path("gallery/generate/", apis.GenerateApi.as_view(), name="api-gallery-generate"),
    path("gallery/interpolate/", apis.InterpolateApi.as_view(), name="api-gallery-interpolate"),
    path("gallery/latent-map/", apis.LatentMapApi.as_view(), name="api-gallery-latent-map"),
    path("gallery/reconstruct/", apis.ReconstructApi.as_view(), name="api-gallery-reconstruct"),
]

# Included under the "gallery" namespace by aeweb/urls.py.
page_urlpatterns = [
    path("gallery/", views.gallery_page, name="gallery"),
]
