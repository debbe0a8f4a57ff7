from drf_spectacular.utils import extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.recommender.models import Dataset


class DatasetListApi(APIView):
    @extend_schema(summary="Rating data sets")
    def get(self, request):
        return Response([{"slug": d.slug, "name": d.name} for d in Dataset.objects.all()])
