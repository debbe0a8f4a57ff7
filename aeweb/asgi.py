import os

# Request-time NumPy (fold-in) is fastest on one BLAS thread; several threads per request
# fight each other and the other web processes.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from django.core.asgi import get_asgi_application  # noqa: E402 (after the thread settings)

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aeweb.settings")
application = get_asgi_application()
