"""The API's JSON (api.renderers, written by orjson) is DRF's JSON, byte for byte, for
everything the API's answers hold."""

import datetime
import decimal
import uuid
from zoneinfo import ZoneInfo

import orjson
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DRFRenderer

from api.renderers import JSONRenderer


def test_it_writes_what_drf_writes():
    data = {
        "results": [
            {
                "code": uuid.UUID("12345678-1234-5678-1234-567812345678"),
                "score": decimal.Decimal("4.06"),
                "index": decimal.Decimal("70.0"),
                "figure": 3.95,
                "when": datetime.date(2026, 11, 30),
                "at": datetime.datetime(2026, 11, 30, 9, 5, 7, 120000, tzinfo=datetime.UTC),
                "in_london": datetime.datetime(2026, 7, 1, 9, 5, tzinfo=ZoneInfo("Europe/London")),
                "name": "Bracknell Forest Mind – “Talking”",
                "detail": gettext_lazy("Not found."),
                "none": None,
                "flags": [True, False],
                7: "a key that is a number",
            }
        ],
        "next": None,
    }
    assert JSONRenderer().render(data) == DRFRenderer().render(data)


def test_a_stored_fragment_is_written_as_it_is():
    text = '{"index": 70.0, "score": 3.8, "principles": []}'
    written = JSONRenderer().render({"result": orjson.Fragment(text)})
    assert written == b'{"result":' + text.encode() + b"}"
    assert orjson.loads(written)["result"]["index"] == 70.0
