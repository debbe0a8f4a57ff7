"""A browser context at one width that watches what a page does, shared by the browser tests that check pages at a
phone's and a laptop's width. Screenshots go to var/screenshots/ (or AEWEB_SCREENSHOT_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

SHOTS = Path(os.environ.get("AEWEB_SCREENSHOT_DIR") or Path(__file__).resolve().parents[2] / "var" / "screenshots")


class Watched:
    """A context at one width that records console errors, page errors and requests leaving the live server."""

    def __init__(self, browser, live_server, width: int, *, height: int = 900, touch: bool = False) -> None:
        self.origin, self.width = live_server.url, width
        self.errors: list[str] = []
        self.external: list[str] = []
        self.context = browser.new_context(viewport={"width": width, "height": height}, has_touch=touch)
        self.context.on("request", self._request)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}") if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))

    def _request(self, request) -> None:
        if not (request.url.startswith(self.origin + "/") or request.url.startswith(("data:", "blob:"))):
            self.external.append(request.url)

    def visit(self, path: str) -> None:
        self.page.goto(self.origin + path)

    def check(self, name: str) -> None:
        """A screenshot, then: no sideways scroll, nothing logged, nothing fetched from outside."""
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}-{self.width}.png"), full_page=True)
        scroll = self.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert scroll[0] <= scroll[1], f"{name} at {self.width} px scrolls sideways: {scroll}"
        assert not self.errors, f"{name} at {self.width} px: {self.errors}"
        assert not self.external, f"{name} at {self.width} px fetched from outside: {self.external}"

    def close(self) -> None:
        self.context.close()
