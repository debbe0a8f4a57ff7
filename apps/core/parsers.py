"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest.

A 3 KB body of 1,500 nested brackets made Python's JSON decoder raise RecursionError, a 500 on
every JSON endpoint. No request of this API nests deeper than a few levels, so a body deeper than
JSON_DEPTH_MAX is refused as malformed (400, code "parse_error"), whether the decoder gave up or not.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

JSON_DEPTH_MAX = 32


def json_depth_exceeds(value: Any, limit: int) -> bool:
    """Whether `value` (parsed JSON) holds containers nested more than `limit` deep (iteratively: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JsonParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        too_deep = ParseError(f"JSON parse error - the body nests deeper than {JSON_DEPTH_MAX} levels")
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise too_deep from None
        if json_depth_exceeds(data, JSON_DEPTH_MAX):
            raise too_deep
        return data
