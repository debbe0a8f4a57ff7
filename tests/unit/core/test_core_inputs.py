"""The input checks under the API: JSON nesting, integer params, an upload's smallest side."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from rest_framework.exceptions import ParseError

from apps.core.errors import InvalidInput
from apps.core.image_upload_check import MIN_SIDE, image_upload_check
from apps.core.params import int_option
from apps.core.parsers import JSON_DEPTH_MAX, JsonParser, json_depth_exceeds


def parse(text: str):
    return JsonParser().parse(io.BytesIO(text.encode()), "application/json", {})


def test_json_depth():
    assert not json_depth_exceeds({"ratings": [{"item": 1, "rating": 4}]}, 3)
    assert json_depth_exceeds({"ratings": [{"item": [1]}]}, 3)
    assert not json_depth_exceeds(5, 0) and not json_depth_exceeds([], 1) and json_depth_exceeds([[]], 1)
    deep = json.loads("[" * 500 + "]" * 500)
    assert json_depth_exceeds(deep, JSON_DEPTH_MAX)  # walked without recursion


def test_the_parser_refuses_deep_nesting_whether_or_not_the_decoder_copes():
    assert parse('{"a": [1, {"b": 2}]}') == {"a": [1, {"b": 2}]}
    parse("[" * JSON_DEPTH_MAX + "]" * JSON_DEPTH_MAX)
    for depth in (JSON_DEPTH_MAX + 1, 1500, 100_000):  # 1500: RecursionError in json; 100,000: deeper still
        with pytest.raises(ParseError, match="nests deeper"):
            parse("[" * depth + "]" * depth)
    with pytest.raises(ParseError):
        parse("{not json")


def test_int_option_is_strict_unless_told_strings_are_meant():
    strict, lenient = int_option(1, 10), int_option(1, 10, strings=True)
    assert strict(3) == 3 and strict(3.0) == 3 and strict(None) is None
    for bad in ("3", True, 3.5, [3], float("nan"), 0, 11):
        with pytest.raises(ValueError):
            strict(bad)
    assert lenient("3") == 3 and lenient(" 4 ") == 4
    with pytest.raises(ValueError):
        lenient(True)


def _png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("size", [(1, 1), (1_000_000, 1), (1, 1_000), (MIN_SIDE - 1, MIN_SIDE)])
def test_uploads_need_both_sides_of_min_side(size):
    with pytest.raises(InvalidInput, match=f"at least {MIN_SIDE}"):
        image_upload_check(data=_png(*size), max_bytes=10**7, max_pixels=16_000_000)


def test_the_smallest_accepted_upload():
    checked = image_upload_check(data=_png(MIN_SIDE, MIN_SIDE), max_bytes=10**7, max_pixels=16_000_000)
    assert (checked.width, checked.height) == (MIN_SIDE, MIN_SIDE)
