"""What every benchmark script shares: Django on a throw-away database, and timing."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def setup_django(**env: str) -> None:
    """Configure Django on a temporary SQLite folder (or DATABASE_URL if set) and set it up.
    Extra environment variables (e.g. SECPLA_INLINE_JOBS="1") are set unless already set."""
    os.environ.setdefault("SECPLA_VAR_DIR", tempfile.mkdtemp(prefix="secpla-bench-"))
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "secpla.settings")
    for key, value in env.items():
        os.environ.setdefault(key, value)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()


def timed(fn, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:.0f} ms"
