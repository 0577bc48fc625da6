"""The cache of what the OIRS shows to anyone: the Open311 GET answers and the blank
public form. Decision 0015 says why and how.

Everything cached here is public and the same for every visitor, so it is stored once
per *generation*: a random token in the cache that changes whenever a record these
pages show is saved or deleted (see `connect_signals`). Keys carry the generation, so a
change makes every older entry unreachable at once, in every gunicorn worker (the
"public" cache alias is a file cache shared by them), and old entries just expire.

The token changes twice per write: at once, so that the writer's own process (and a test)
never reads a page from before its change, and again after the commit, so that a page a
reader built from the old rows between the two is not served under the new token.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable

from django.core.cache import caches
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, post_save

ALIAS = "public"
GENERATION_KEY = "oirs:generation"
# A safety net, not the invalidation: entries also expire (a deploy changes static
# file names; a write outside the ORM's signals, e.g. a bulk update, shows within this).
TIMEOUT = 300


def _cache():
    return caches[ALIAS]


def generation() -> str:
    token = _cache().get(GENERATION_KEY)
    if token is None:
        token = secrets.token_hex(8)
        _cache().set(GENERATION_KEY, token, timeout=None)
    return token


def bump() -> None:
    """A record shown publicly changed: every cached page is out of date."""
    _cache().set(GENERATION_KEY, secrets.token_hex(8), timeout=None)


def _on_change(sender, **kwargs) -> None:
    bump()
    transaction.on_commit(bump)


def key(*parts: str) -> str:
    """A cache key of this generation for `parts` (hashed: any length, any character)."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
    return f"oirs:{generation()}:{digest}"


def get_or_build(parts: tuple[str, ...], build: Callable[[], object]):
    """The cached value for `parts` in this generation, built and stored when missing."""
    cache_key = key(*parts)
    value = _cache().get(cache_key)
    if value is None:
        value = build()
        _cache().set(cache_key, value, timeout=TIMEOUT)
    return value


def connect_signals() -> None:
    """Watch every model whose rows appear in a cached page: requests and their events
    (Open311 lists), categories, OIRS settings, directorates (agency names) and the
    municipality (the form's map boundary); and a migration, which may rewrite any of them."""
    from secpla.citizen_requests.models import Category, OirsSettings, Request, RequestEvent
    from secpla.core.models import Directorate, Municipality

    for model in (Request, RequestEvent, Category, OirsSettings, Directorate, Municipality):
        for name, signal in (("save", post_save), ("delete", post_delete)):
            signal.connect(_on_change, sender=model, dispatch_uid=f"oirs-{model.__name__}-{name}")
    post_migrate.connect(_on_migrate, dispatch_uid="oirs-migrate")


def _on_migrate(sender, **kwargs) -> None:
    bump()
