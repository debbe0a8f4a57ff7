from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import RedirectView
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView

from apps.anomaly.urls import api_urlpatterns as anomaly_api
from apps.anomaly.urls import page_urlpatterns as anomaly_pages
from apps.core.api_errors import bad_request, json_404, not_found, server_error
from apps.core.docs import swagger_ui
from apps.core.urls import api_urlpatterns, page_urlpatterns
from apps.denoise.apis import DaeDemoGalleryAliasApi
from apps.denoise.urls import api_urlpatterns as denoise_api
from apps.denoise.urls import page_urlpatterns as denoise_pages
from apps.gallery.urls import api_urlpatterns as gallery_api
from apps.gallery.urls import page_urlpatterns as gallery_pages
from apps.inpaint.urls import api_urlpatterns as inpaint_api
from apps.inpaint.urls import page_urlpatterns as inpaint_pages
from apps.recommender.urls import api_urlpatterns as recommender_api
from apps.recommender.urls import page_urlpatterns as recommender_pages
from apps.representations.urls import api_urlpatterns as representations_api
from apps.representations.urls import page_urlpatterns as representations_pages
from apps.segment.urls import api_urlpatterns as segment_api
from apps.segment.urls import page_urlpatterns as segment_pages

urlpatterns = [
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says (the admin, Swagger, images opened alone).
    path("favicon.ico", RedirectView.as_view(url=static("core/favicon.svg"), permanent=True)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", swagger_ui, name="swagger-ui"),
    # Deprecated: the 28×28 denoising demo was the gallery's before it moved to the denoise app
    # (POST /api/denoise/demo/). Kept so clients of the old path keep working; ahead of the app
    # URL lists so it answers whatever the gallery's list still holds.
    path(
        "api/gallery/denoise-demo/",
        DaeDemoGalleryAliasApi.as_view(),
        name="api-gallery-denoise-demo-deprecated",
    ),
    path(
        "api/",
        include(
            api_urlpatterns
            + recommender_api
            + gallery_api
            + denoise_api
            + representations_api
            + anomaly_api
            + inpaint_api
            + segment_api
        ),
    ),
    re_path(r"^api/[\s\S]*$", csrf_exempt(json_404)),  # [\s\S]: paths may hold newlines
    path("", include(page_urlpatterns)),
    path("", include((recommender_pages, "recommender"))),
    path("", include((gallery_pages, "gallery"))),
    path("", include((denoise_pages, "denoise"))),
    path("", include((representations_pages, "representations"))),
    path("", include((anomaly_pages, "anomaly"))),
    path("", include((inpaint_pages, "inpaint"))),
    path("", include((segment_pages, "segment"))),
    # Generated images and results; served by Django itself so `make run` needs no proxy.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
]

handler400 = bad_request
handler404 = not_found
handler500 = server_error
