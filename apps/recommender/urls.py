from django.urls import path

from apps.recommender import apis, views

api_urlpatterns = [
    path("datasets/", apis.DatasetListApi.as_view(), name="api-datasets"),
    path("datasets/<slug:slug>/items/", apis.DatasetItemListApi.as_view(), name="api-dataset-items"),
    path("datasets/<slug:slug>/users/", apis.DatasetUserListApi.as_view(), name="api-dataset-users"),
    path(
        "datasets/<slug:slug>/users/<str:user>/ratings/",
        apis.DatasetUserRatingsApi.as_view(),
        name="api-user-ratings",
    ),
    path(
        "datasets/<slug:slug>/users/<str:user>/recommendations/",
        apis.UserRecommendationsApi.as_view(),
        name="api-user-recommendations",
    ),
    path(
        "datasets/<slug:slug>/recommendations/",
        apis.FoldinRecommendationsApi.as_view(),
        name="api-foldin-recommendations",
    ),
    path("items/<int:item_id>/", apis.ItemDetailApi.as_view(), name="api-item"),
    path("items/<int:item_id>/similar/", apis.ItemSimilarApi.as_view(), name="api-item-similar"),
]

# Included under the "recommender" namespace by aeweb/urls.py.
page_urlpatterns = [
    path("datasets/", views.datasets_page, name="datasets"),
    path("datasets/<slug:slug>/", views.dataset_page, name="dataset"),
    path("datasets/<slug:slug>/users/<str:user>/", views.user_page, name="user"),
    path("items/<int:item_id>/", views.item_page, name="item"),
    path("rate/", views.rate_page, name="rate"),
]
