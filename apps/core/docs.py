"""Swagger UI at /api/docs/, served offline (drf-spectacular-sidecar), under the site's CSP.

The split view loads its start-up script from its own URL (`?script`) rather than inline, so
scripts stay `'self'` only. The page itself carries an inline `<style>` block and Swagger UI draws
its icons from `data:` images, so this page alone allows inline styles (never inline script).
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_replace
from drf_spectacular.views import SpectacularSwaggerSplitView

SWAGGER_UI_CSP = {"style-src": [SELF, UNSAFE_INLINE], "img-src": [SELF, "data:"]}

swagger_ui = csp_replace(SWAGGER_UI_CSP)(SpectacularSwaggerSplitView.as_view(url_name="schema"))


def schema_open_operations_unlock(result: dict, generator, request, public) -> dict:
    """A drf-spectacular postprocessing hook: operations open to anonymous visitors carry no security
    requirement, so Swagger UI draws no lock on them. drf-spectacular lists the optional schemes
    with an empty alternative (`[{cookieAuth}, {tokenAuth}, {}]`); a session or token sent anyway is
    still used (staff see more, throttles count per user), and the description says so."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and {} in operation.get("security", []):
                del operation["security"]
                note = "Open to anonymous visitors; a session or token is used when sent."
                operation["description"] = f"{operation.get('description', '')}\n\n{note}".strip()
    return result
