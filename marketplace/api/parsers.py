"""JSON bodies with a bounded size and nesting depth.

Python's json module recurses once per nested array or object: a few thousand levels end in
RecursionError (an HTTP 500), and a body of any size is read into memory. Every JSON body of
the API is parsed here instead, and an oversize or over-deep one is refused with a 400 in the
project's error shape before the decoder sees it.
"""

import codecs
import json
import re

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

# Strings may hold brackets; they are blanked out before the brackets are counted.
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class JsonTooLarge(exceptions.ParseError):
    default_code = "json_too_large"


class JsonTooDeep(exceptions.ParseError):
    default_code = "json_too_deep"


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (0 for a scalar)."""
    brackets = _JSON_STRING.sub(b'""', raw).translate(None, delete=_NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class BoundedJSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing bodies over API_JSON_MAX_BYTES or API_JSON_MAX_DEPTH."""

    def parse(self, stream, media_type=None, parser_context=None):
        parser_context = parser_context or {}
        encoding = parser_context.get("encoding", settings.DEFAULT_CHARSET)
        limit = settings.API_JSON_MAX_BYTES
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise JsonTooLarge(
                _("The JSON body is larger than %(limit)d bytes.") % {"limit": limit}
            )
        max_depth = settings.API_JSON_MAX_DEPTH
        if json_depth(raw) > max_depth:
            raise JsonTooDeep(
                _("The JSON body is nested deeper than %(depth)d levels.") % {"depth": max_depth}
            )
        try:
            text = codecs.decode(raw, encoding)
            return json.loads(text, parse_constant=self._refuse_constant)
        except (ValueError, UnicodeDecodeError) as exc:
            raise exceptions.ParseError(_("JSON parse error: %(error)s") % {"error": exc}) from exc

    @staticmethod
    def _refuse_constant(name: str):
        # NaN and Infinity are not JSON (RFC 8259); DRF's strict mode refuses them too.
        raise ValueError(f"{name} is not valid JSON")
