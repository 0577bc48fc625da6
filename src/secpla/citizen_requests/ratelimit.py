"""Per-IP rate limit of the public OIRS forms: about 5 submissions a minute and 20 a day,
then HTTP 429 with a Spanish page.

Why in-house and not a library: two fixed windows counted in the Django cache are a few
lines, and the limit must answer with our own Spanish page and honour an exemption list
(the benchmark's load generator, SECPLA_OIRS_RATE_LIMIT_EXEMPT).

The client is REMOTE_ADDR only. X-Forwarded-For is written by the client unless a proxy
overwrites it, so trusting it would let anybody pick a fresh address per request. Behind
a reverse proxy, the proxy (or the WSGI server's trusted-proxy setting) must put the real
client address in REMOTE_ADDR.

The windows are fixed (this minute, this UTC day), so a burst across a window edge can
get up to twice a limit; for a spam brake that is "about" enough. Counting uses
cache.add + cache.incr in the cache alias "ratelimit" (its own file cache, so that no
other use of a cache can make it cull these counters); with the file cache of a single
server the increments of concurrent processes may occasionally lose a count, which errs
towards letting through.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.shortcuts import render


@dataclass(frozen=True)
class Window:
    seconds: int
    limit: int
    label: str  # how the 429 page says it: "por minuto"


WINDOWS = (Window(60, 5, "por minuto"), Window(86_400, 20, "por día"))
KEY_PREFIX = "oirs-rl"


def client_ip(request) -> str:
    """The address the connection came from (see the module docstring on proxies)."""
    return request.META.get("REMOTE_ADDR", "") or "desconocida"


def is_exempt(ip: str) -> bool:
    return ip in set(getattr(settings, "SECPLA_OIRS_RATE_LIMIT_EXEMPT", ()) or ())


def cache_key(scope: str, window: Window, ip: str, now: float) -> str:
    bucket = int(now // window.seconds)
    return f"{KEY_PREFIX}:{scope}:{window.seconds}:{bucket}:{ip}"


def hit(scope: str, ip: str, now: float | None = None) -> Window | None:
    """Count one submission from `ip`; the window it exceeds, or None when allowed."""
    now = time.time() if now is None else now
    exceeded = None
    for window in WINDOWS:
        key = cache_key(scope, window, ip, now)
        cache = caches["ratelimit"]
        cache.add(key, 0, timeout=window.seconds + 60)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window.seconds + 60)
            count = 1
        if count > window.limit and exceeded is None:
            exceeded = window
    return exceeded


def too_many(request, window: Window):
    response = render(
        request,
        "citizen_requests/public_429.html",
        {"window": window, "windows": WINDOWS},
        status=429,
    )
    response["Retry-After"] = str(window.seconds)
    return response


def limit_posts(scope: str):
    """Decorate a view so that its POSTs go through the per-IP limit of `scope`."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                ip = client_ip(request)
                if not is_exempt(ip):
                    exceeded = hit(scope, ip)
                    if exceeded is not None:
                        return too_many(request, exceeded)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
