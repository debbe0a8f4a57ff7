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
