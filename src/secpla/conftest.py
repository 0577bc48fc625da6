import pytest
from django.test import Client

from secpla.testing import Personas, make_municipality, make_personas


@pytest.fixture
def municipality(db):
    return make_municipality()


@pytest.fixture
def personas(db, municipality) -> Personas:
    return make_personas()


@pytest.fixture
def client_as():
    """client_as(user) -> a Django test client logged in as that user."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user, backend="secpla.core.permissions.RoleBackend")
        return client

    return make


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded files go to a temporary folder for the test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_caches():
    """Public pages cached and rate-limit counts made by one test never reach the next."""
    from django.core.cache import caches

    for alias in ("public", "ratelimit"):
        caches[alias].clear()
    yield
    for alias in ("public", "ratelimit"):
        caches[alias].clear()
