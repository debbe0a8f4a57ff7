"""REST endpoints for jobs, model versions, health and tokens: thin, over services/selectors."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import selectors, services
from apps.core.health import HealthThrottle, health_check
from apps.core.permissions import PERM_ACTIVATE, PERM_JOB_CHANGE, PERM_JOB_VIEW, PERM_TRAIN, staff_with
from apps.core.serializers import (
    ErrorSerializer,
    HealthSerializer,
    JobCreateSerializer,
    JobQuerySerializer,
    JobSerializer,
    ModelQuerySerializer,
    ModelVersionSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    error_responses,
    validated,
)
from apps.core.throttling import AnonThrottle, LoginThrottle, LoginUsernameThrottle

ERRORS = error_responses(400, 401, 403, 404, 409, 429, 503)


class JobListCreateApi(APIView):
    def get_permissions(self):
        return [staff_with(PERM_JOB_VIEW if self.request.method in permissions.SAFE_METHODS else PERM_TRAIN)()]

    @extend_schema(
        responses={200: JobSerializer(many=True), **ERRORS},
        parameters=[JobQuerySerializer],
        summary="Recent jobs (staff with core.view_job)",
    )
    def get(self, request):
        # The serializer also refuses NUL bytes, which PostgreSQL cannot store.
        jobs = selectors.job_list(**validated(JobQuerySerializer, request.query_params))
        return Response(JobSerializer(jobs, many=True).data)

    @extend_schema(
        request=JobCreateSerializer,
        responses={202: JobSerializer, **ERRORS},
        summary="Start training (staff with core.add_job)",
    )
    def post(self, request):
        job = services.training_job_start(user=request.user, **validated(JobCreateSerializer, request.data))
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class JobDetailApi(APIView):
    @extend_schema(
        responses={200: JobSerializer, **ERRORS},
        summary="A job's status, progress, history and result",
        description="Open to whoever has the job's id (an unguessable UUID), as a denoising result is: "
        "pages list only the visitor's own jobs.",
    )
    def get(self, request, job_id):
        return Response(JobSerializer(selectors.job_get(job_id)).data)


class JobCancelApi(APIView):
    permission_classes = [staff_with(PERM_JOB_CHANGE)]

    @extend_schema(
        request=None, responses={200: JobSerializer, **ERRORS}, summary="Cancel a job (staff with core.change_job)"
    )
    def post(self, request, job_id):
        job = services.job_cancel(job=selectors.job_get(job_id))
        return Response(JobSerializer(job).data)


class JobRetryApi(APIView):
    permission_classes = [staff_with(PERM_JOB_CHANGE)]

    @extend_schema(
        request=None,
        responses={202: JobSerializer, **ERRORS},
        summary="Queue a failed or cancelled job again, or re-send a long-queued one (staff with core.change_job)",
    )
    def post(self, request, job_id):
        job = services.job_retry(job=selectors.job_get(job_id))
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ModelVersionListApi(APIView):
    @extend_schema(
        parameters=[ModelQuerySerializer],
        responses={200: ModelVersionSerializer(many=True), **ERRORS},
        summary="Model versions with their metrics and baselines",
    )
    def get(self, request):
        versions = selectors.model_version_list(**validated(ModelQuerySerializer, request.query_params))
        context = {"active_ids": selectors.active_version_ids()}
        return Response(ModelVersionSerializer(versions, many=True, context=context).data)


class ModelVersionDetailApi(APIView):
    @extend_schema(responses={200: ModelVersionSerializer, **ERRORS}, summary="One model version")
    def get(self, request, version_id: int):
        version = selectors.model_version_get(version_id=version_id)
        return Response(ModelVersionSerializer(version, context={"active_ids": selectors.active_version_ids()}).data)


class ModelVersionActivateApi(APIView):
    permission_classes = [staff_with(PERM_ACTIVATE)]

    @extend_schema(
        request=None,
        responses={200: ModelVersionSerializer, **ERRORS},
        summary="Make this version the active one (staff with core.change_activemodel)",
    )
    def post(self, request, version_id: int):
        version = selectors.model_version_get(version_id=version_id)
        services.model_version_activate(model_version=version, user=request.user)
        return Response(ModelVersionSerializer(version, context={"active_ids": selectors.active_version_ids()}).data)


class HealthApi(APIView):
    """Readiness: one database query and one Redis round trip, cached a few seconds per process."""

    authentication_classes: list = []  # no session or token lookup: a probe is anonymous
    throttle_classes = [HealthThrottle]

    @extend_schema(
        responses={200: HealthSerializer, 503: HealthSerializer, 429: ErrorSerializer},
        summary="Readiness: database, broker, a worker per queue, beat (503 when not ready)",
    )
    def get(self, request):
        body, code = health_check()
        return Response(body, status=code)


class HealthLiveApi(APIView):
    """Liveness: the web process answers. No database, no broker, no cache."""

    authentication_classes: list = []
    throttle_classes: list = []

    @extend_schema(responses={200: HealthSerializer}, summary="Liveness: the web process answers (no I/O)")
    def get(self, request):
        return Response({"status": "ok", "checks": {}})


class PingApi(APIView):
    """The cheapest DRF endpoint: the framework's floor in the serving benchmark."""

    # 429: throttled like every anonymous endpoint (schemathesis reaches the limit over the whole API).
    @extend_schema(responses={200: HealthSerializer, 429: ErrorSerializer}, summary="Trivial endpoint (no database)")
    def get(self, request):
        return Response({"status": "ok", "checks": {}})


class TokenApi(APIView):
    """Each attempt costs a deliberately slow password hash (most of a second of CPU): attempts are
    throttled per client address and per username, in the shared cache, before any hash is computed."""

    authentication_classes: list = []
    throttle_classes = [AnonThrottle, LoginThrottle, LoginUsernameThrottle]

    def get_authenticate_header(self, request) -> str:
        # Wrong credentials are a 401 with the scheme to use, as for a bad token (DRF answers 403
        # when a view names no scheme).
        return TokenAuthentication.keyword

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **ERRORS},
        summary="Exchange username and password for an API token",
        description="401 with `WWW-Authenticate: Token` for a wrong username or password; 429 with "
        "`Retry-After` past the attempts allowed per client and per username.",
    )
    def post(self, request):
        from django.contrib.auth import authenticate

        user = authenticate(request, **validated(TokenRequestSerializer, request.data))
        if user is None or not user.is_active:
            raise AuthenticationFailed("Wrong username or password.")
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
