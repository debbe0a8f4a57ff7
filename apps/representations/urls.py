from django.urls import path

from apps.representations import apis, views

api_urlpatterns = [
    path("representations/", apis.RepresentationListApi.as_view(), name="api-representations"),
    path("representations/compare/", apis.CompareApi.as_view(), name="api-representations-compare"),
    path(
        "representations/<int:version_id>/embedding/",
        apis.EmbeddingApi.as_view(),
        name="api-representations-embedding",
    ),
    path("representations/<int:version_id>/decode/", apis.DecodeApi.as_view(), name="api-representations-decode"),
    path("representations/<int:version_id>/encode/", apis.EncodeApi.as_view(), name="api-representations-encode"),
]

# Included under the "representations" namespace by aeweb/urls.py.
page_urlpatterns = [
    path("representations/", views.wardrobe_page, name="wardrobe"),
    path("representations/compare/", views.compare_page, name="compare"),
    path("representations/gan/", views.gan_page, name="gan"),
]
