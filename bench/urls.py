"""The portal's URLs plus the bench's ceiling: a view that touches no database and returns a
JSON body of the size asked for, through the same middleware as every page. It exists only
in the bench's URL conf, never in production's."""

import json

from django.http import HttpResponse
from django.urls import path

from marketplace.urls import urlpatterns as portal


def ceiling(request):
    size = min(int(request.GET.get("bytes", "1000")), 2_000_000)
    filler = "x" * max(0, size - 20)
    return HttpResponse(json.dumps({"filler": filler}), content_type="application/json")


urlpatterns = [path("bench/ceiling", ceiling), *portal]
