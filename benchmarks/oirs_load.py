"""OIRS load benchmark (issue 6): the public form and the Open311 GET under 50 connections.

Builds a throw-away database (SQLite in a temporary folder; with DATABASE_URL set, a
dedicated PostgreSQL database `secpla_bench` on that server, created and dropped here: the
database DATABASE_URL names is never touched), migrates it, creates a municipality with
the comuna boundary, a few categories and ~2,000 requests with their "recibida" event,
then starts the production setup the README documents:

    gunicorn secpla.wsgi -b 127.0.0.1:<free port> -w 3

with DEBUG=0, a generated SECRET_KEY, ALLOWED_HOSTS=127.0.0.1, collectstatic into the
temporary folder and SECPLA_OIRS_RATE_LIMIT_EXEMPT=127.0.0.1. Every request carries
`X-Forwarded-Proto: https`, as the TLS proxy in front would send it.

The load generator is asyncio on plain sockets (no extra dependency): 50 coroutines, each
with one connection at a time, send requests back to back for a fixed time per URL
(closed loop). A request counts as an error if the connection fails or the status is not
2xx. It reports requests, errors, p50/p95/p99 latency and throughput per URL, and first the
latency of one request alone (concurrency 1) to show the service time. Exits 1 if any
p95 ≥ 200 ms or any error. Gunicorn's sync workers close the connection after each
response, so each request opens a new loopback connection; that cost is included.

Usage: `python benchmarks/oirs_load.py [--seconds 20] [--connections 50] [--requests 2000]`.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from _common import setup_django

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BENCH_DB = "secpla_bench"
TARGET_P95_MS = 200
URLS = (
    "/publico/oirs/",
    "/open311/v2/services.json",
    "/open311/v2/requests.json",
)
CATEGORIES = (
    ("Luminaria apagada", "luminaria", "DIDECO", 10),
    ("Bache en la calzada", "bache", "DOM", None),
    ("Microbasural", "microbasural", "DIDECO", 15),
    ("Árbol en riesgo", "arbol", "DOM", 20),
    ("Atención municipal", "atencion", "SECPLA", None),
)
PLAZA = (-72.3016, -36.7425)  # Bulnes, inside the comuna


# --- database ------------------------------------------------------------------------------


def bench_database_url(url: str) -> str:
    """Create (again) the dedicated benchmark database on the server `url` names and
    return its URL. Only `secpla_bench` is created or dropped."""
    import psycopg

    parts = urlsplit(url)
    if parts.path.strip("/") == BENCH_DB:
        raise SystemExit(f"DATABASE_URL debe nombrar otra base; {BENCH_DB} se crea aquí.")
    admin = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB}")
        conn.execute(f"CREATE DATABASE {BENCH_DB}")
    return urlunsplit(parts._replace(path=f"/{BENCH_DB}"))


def drop_bench_database(url: str) -> None:
    import psycopg

    admin = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")


def build_data(count: int) -> None:
    """Migrate; municipality with its boundary; categories; `count` requests received
    over the last 80 days (so the default 90-day Open311 window holds them all), a fifth
    answered, each with its public "recibida" event. Bulk inserts: the benchmark is about
    reading them."""
    import datetime as dt

    from django.core.management import call_command
    from django.utils import timezone

    from secpla.citizen_requests import services
    from secpla.citizen_requests.models import Category, Request, RequestEvent
    from secpla.citizen_requests.workflow import Status
    from secpla.core.audit import audit_context
    from secpla.core.models import Directorate
    from secpla.core.reference import comuna_boundary
    from secpla.testing import make_municipality

    call_command("migrate", verbosity=0)
    municipality = make_municipality()
    rng = random.Random(6)
    with audit_context(source="bench"):
        municipality.boundary = comuna_boundary(municipality.comuna.cut)
        municipality.save()
        directorates = {
            code: Directorate.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in (
                ("SECPLA", "Secretaría Comunal de Planificación"),
                ("DIDECO", "Dirección de Desarrollo Comunitario"),
                ("DOM", "Dirección de Obras Municipales"),
            )
        }
        categories = [
            Category.objects.create(
                name=name, code=code, directorate=directorates[directorate], answer_days=days,
                guidance=f"Indique dónde y desde cuándo: {name.lower()}.",
            )
            for name, code, directorate, days in CATEGORIES
        ]  # fmt: skip

    now = timezone.now()
    due_cache: dict[tuple[int, dt.date], tuple[dt.date, str]] = {}
    codes: set[str] = set()
    rows = []
    for i in range(count):
        category = categories[i % len(categories)]
        received = now - dt.timedelta(minutes=rng.randint(10, 80 * 24 * 60))
        key = (category.pk, timezone.localdate(received))
        if key not in due_cache:
            due_cache[key] = services.compute_due_date(category, received)
        due_on, due_rule = due_cache[key]
        code = ""
        while not code or code in codes:
            code = f"OIRS-{timezone.localdate(received).year}-" + "".join(
                rng.choice(services.CODE_ALPHABET) for _ in range(services.CODE_LENGTH)
            )
        codes.add(code)
        answered = i % 5 == 0
        lon = PLAZA[0] + rng.uniform(-0.004, 0.004)
        lat = PLAZA[1] + rng.uniform(-0.004, 0.004)
        rows.append(
            Request(
                tracking_code=code, kind=Request.Kind.REQUEST, category=category,
                description=f"Solicitud de prueba {i}: {category.name.lower()} en el sector.",
                location={"type": "Point", "coordinates": [lon, lat]} if i % 2 else None,
                address="" if i % 2 else f"Calle {i % 40} número {i}",
                status=Status.ANSWERED if answered else Status.RECEIVED,
                directorate=category.directorate, received_at=received, due_on=due_on,
                due_rule=due_rule,
                answered_at=received + dt.timedelta(days=3) if answered else None,
                public_answer="Se programó la reparación." if answered else "",
            )
        )  # fmt: skip
    start = time.perf_counter()
    created = Request.objects.bulk_create(rows, batch_size=500)
    RequestEvent.objects.bulk_create(
        [
            RequestEvent(request=r, kind=RequestEvent.Kind.RECEIVED, at=r.received_at,
                         is_public=True, text="Recibida por formulario web.")
            for r in created
        ],
        batch_size=500,
    )  # fmt: skip
    print(f"{count} solicitudes creadas en {time.perf_counter() - start:.1f} s")


# --- server --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    """The README's command; its log goes to `log` (printed if it fails to start)."""
    command = [
        str(BIN / "gunicorn"), "secpla.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers),
    ]  # fmt: skip
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 (fixed command: the venv's gunicorn)
            command, env=env, cwd=ROOT, start_new_session=True, stdout=out, stderr=out
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            print(log.read_text(), file=sys.stderr)
            raise SystemExit(f"gunicorn terminó al partir (código {process.returncode}).")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    stop_gunicorn(process)
    raise SystemExit("gunicorn no respondió en 30 s.")


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


# --- load generator ------------------------------------------------------------------------


async def fetch(port: int, path: str) -> tuple[int, float, int]:
    """One GET on a new connection: (status, seconds, body bytes); status 0 on failure."""
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-Proto: https\r\n"
            "Accept-Encoding: identity\r\nConnection: close\r\n\r\n".encode()
        )
        await writer.drain()
        data = await asyncio.wait_for(reader.read(-1), timeout=60)
        writer.close()
        head, _, body = data.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
    except (OSError, ValueError, IndexError, TimeoutError):
        return 0, time.perf_counter() - start, 0
    return status, time.perf_counter() - start, len(body)


async def load(port: int, path: str, connections: int, seconds: float) -> dict:
    samples: list[float] = []
    errors: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        while time.perf_counter() < deadline:
            status, elapsed, _ = await fetch(port, path)
            samples.append(elapsed)
            if not 200 <= status < 300:
                errors[status] = errors.get(status, 0) + 1

    start = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    wall = time.perf_counter() - start
    return {"samples": samples, "errors": errors, "wall": wall}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


async def run_load(port: int, connections: int, seconds: float, warmup: float) -> list[dict]:
    results = []
    for path in URLS:
        status, _, size = await fetch(port, path)
        if not 200 <= status < 300:
            raise SystemExit(f"{path} respondió {status} antes de la carga.")
        alone = []
        for _ in range(30):
            alone.append((await fetch(port, path))[1])
        await load(port, path, connections, warmup)
        measured = await load(port, path, connections, seconds)
        measured.update(path=path, size=size, alone=statistics.median(alone))
        results.append(measured)
    return results


def report(results: list[dict], connections: int) -> bool:
    ok = True
    print(f"\n{connections} conexiones concurrentes; latencias en ms")
    print(
        f"{'URL':30} {'bytes':>7} {'solo':>5} {'pedidos':>8} {'errores':>8} {'req/s':>7} "
        f"{'p50':>6} {'p95':>6} {'p99':>6}"
    )
    for r in results:
        samples = r["samples"]
        errors = sum(r["errors"].values())
        p50, p95, p99 = (percentile(samples, p) * 1000 for p in (50, 95, 99))
        passed = errors == 0 and p95 < TARGET_P95_MS
        ok = ok and passed
        print(
            f"{r['path']:30} {r['size']:7d} {r['alone'] * 1000:5.0f} {len(samples):8d} "
            f"{errors:8d} {len(samples) / r['wall']:7.1f} {p50:6.0f} {p95:6.0f} {p99:6.0f}"
            f"  {'OK' if passed else 'NO CUMPLE'}"
        )
        if errors:
            print(f"    errores por estado (0 = conexión): {r['errors']}")
    print(f"Meta: p95 < {TARGET_P95_MS} ms y 0 errores: {'cumplida' if ok else 'NO cumplida'}")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=20, help="carga por URL")
    parser.add_argument("--warmup", type=float, default=3, help="calentamiento por URL")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="solicitudes en la base")
    parser.add_argument("--workers", type=int, default=3, help="workers de gunicorn")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="secpla-oirs-bench-"))
    given_url = os.environ.get("DATABASE_URL", "")
    db_url = bench_database_url(given_url) if given_url else ""
    process = None
    try:
        env = {
            **os.environ,
            "SECPLA_VAR_DIR": str(tmp),
            "STATIC_ROOT": str(tmp / "static"),
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECPLA_OIRS_RATE_LIMIT_EXEMPT": "127.0.0.1",
            "PYTHONPATH": str(ROOT / "src"),
        }
        if db_url:
            env["DATABASE_URL"] = db_url
        os.environ.update(env)
        setup_django()
        from django.core.management import call_command
        from django.db import connection

        vendor = connection.vendor
        build_data(args.requests)
        call_command("collectstatic", interactive=False, verbosity=0)
        connection.close()

        port = free_port()
        process = start_gunicorn(env, port, args.workers, tmp / "gunicorn.log")
        print(
            f"Base de datos: {vendor}; gunicorn -w {args.workers} en 127.0.0.1:{port}; "
            f"{os.cpu_count()} núcleos; {args.seconds:g} s por URL"
        )
        results = asyncio.run(run_load(port, args.connections, args.seconds, args.warmup))
    finally:
        if process is not None:
            stop_gunicorn(process)
        if db_url:
            from django.db import connections

            connections.close_all()
            drop_bench_database(db_url)
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(0 if report(results, args.connections) else 1)


if __name__ == "__main__":
    main()
