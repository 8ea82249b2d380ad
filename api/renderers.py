"""The API's JSON, written by orjson: what DRF's JSONRenderer writes with this project's
settings (compact, UTF-8, numbers for decimals; tests/api/test_renderer.py), in a fifth of
the time, which a page of 100 reviews with their results needs (bench/README.md). Unlike
DRF's it writes U+2028 and U+2029 as they are (valid JSON; DRF escapes them for
JavaScript), and it takes no `indent` from the Accept header."""

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_DRF = JSONEncoder()


def _default(value):
    # What orjson does not write itself (decimals, lazy strings) or writes its own way
    # (datetimes, with OPT_PASSTHROUGH_DATETIME) is written as DRF writes it.
    return _DRF.default(value)


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        return orjson.dumps(
            data,
            default=_default,
            option=orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS,
        )
