"""Export or import the PLADECO matrix from the command line.

    secpla pladeco_matrix export <plan_id> <archivo.xlsx> [--user <usuario>]
    secpla pladeco_matrix import <plan_id> <archivo.xlsx> --user <usuario> [--apply]

The import is a dry run unless --apply: it prints the preview (in Spanish) and exits
with a non-zero code when rows are rejected or the import fails. Each import is kept as
an ImportJob, so it appears in the plan's import history.
"""

from __future__ import annotations

from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError

from secpla.core.models import User
from secpla.planning import jobs, matrix
from secpla.planning.models import ImportJob, Plan

LISTED = 100


class Command(BaseCommand):
    help = (
        "Exporta o importa la matriz del PLADECO (XLSX). La importación es de prueba salvo --apply."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["export", "import"], help="export o import")
        parser.add_argument("plan_id", type=int, help="Id del PLADECO")
        parser.add_argument("file", help="Archivo .xlsx")
        parser.add_argument(
            "--user", help="Usuario que exporta o importa (obligatorio al importar)"
        )
        parser.add_argument("--apply", action="store_true", help="Aplica la importación")
        parser.add_argument(
            "--completo", action="store_true", help=f"Lista todo (por defecto, {LISTED} por lista)"
        )

    def handle(self, *args, action, plan_id, file, user=None, apply=False, completo=False, **kw):
        plan = Plan.objects.filter(pk=plan_id).first()
        if plan is None:
            raise CommandError(f"No existe el PLADECO con id {plan_id}.")
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No existe un usuario activo «{user}».")
        path = Path(file)
        if action == "export":
            self.export(plan, path, actor)
        else:
            if actor is None:
                raise CommandError("Indique con --user quién importa.")
            self.import_(plan, path, actor, apply=apply, limit=None if completo else LISTED)

    def export(self, plan: Plan, path: Path, actor) -> None:
        if actor is not None and not Plan.objects.for_user(actor, "view").filter(pk=plan.pk):
            raise CommandError(f"El usuario {actor.username} no puede ver este PLADECO.")
        if path.suffix.lower() != ".xlsx":
            raise CommandError("El archivo de destino debe terminar en .xlsx.")
        path.write_bytes(matrix.write_matrix(plan, user=actor))
        self.stdout.write(f"Matriz de «{plan}» escrita en {path}.")

    def import_(self, plan: Plan, path: Path, actor, *, apply: bool, limit) -> None:
        if not matrix.can_import(actor, plan):
            raise CommandError(
                f"El usuario {actor.username} no tiene permiso para importar la matriz de este "
                "PLADECO (requiere modificar el plan y crear y modificar iniciativas)."
            )
        if not path.is_file():
            raise CommandError(f"No se encuentra el archivo {path}.")
        if path.suffix.lower() != ".xlsx":
            raise CommandError("La matriz se importa desde una planilla Excel (.xlsx).")
        job = ImportJob(plan=plan, original_name=path.name, created_by=actor)
        with path.open("rb") as handle:
            job.file.save(path.name, File(handle), save=False)
        job.save()
        jobs.run(job.pk, jobs.ANALYSE, user_pk=actor.pk)
        job.refresh_from_db()
        self.print_report(job, limit)
        if job.status != ImportJob.Status.READY:
            raise CommandError(
                "La importación tiene errores: no se puede aplicar. No se guardó nada."
            )
        if not apply:
            self.stdout.write("Prueba: no se guardó nada. Use --apply para aplicar la importación.")
            return
        problem = jobs.request_apply(job, actor, inline=True)
        if problem:
            raise CommandError(problem)
        job.refresh_from_db()
        if job.status != ImportJob.Status.APPLIED:
            self.print_report(job, limit)
            raise CommandError(job.error or "No se pudo aplicar la importación.")
        self.stdout.write(self.style.SUCCESS(f"Importación aplicada (importación N° {job.pk})."))

    def print_report(self, job: ImportJob, limit) -> None:
        out = self.stdout.write
        report = job.report or {}
        counts = report.get("counts", {})
        out(f"Importación N° {job.pk} de «{job.original_name}» en «{job.plan}»: "
            f"{job.get_status_display()}.")  # fmt: skip
        if job.error:
            out(job.error)
        for warning in report.get("warnings", []):
            out(f"Aviso: {warning}")
        if counts:
            nodes, initiatives = counts.get("nodes", {}), counts.get("initiatives", {})
            targets = counts.get("targets", {})
            out(f"Filas con datos: {report.get('total_rows', 0)}.")
            out(f"Elementos: {nodes.get('created', 0)} nuevos, {nodes.get('updated', 0)} con "
                f"cambios, {nodes.get('unchanged', 0)} sin cambios.")  # fmt: skip
            out(f"Iniciativas: {initiatives.get('created', 0)} nuevas, "
                f"{initiatives.get('updated', 0)} con cambios, "
                f"{initiatives.get('unchanged', 0)} sin cambios.")  # fmt: skip
            out(f"Metas anuales: {targets.get('created', 0)} nuevas, "
                f"{targets.get('updated', 0)} corregidas.")  # fmt: skip
            if counts.get("missing"):
                out(f"Iniciativas del plan que no están en el archivo (se conservan): "
                    f"{counts['missing']}.")  # fmt: skip
            out(f"Filas rechazadas: {counts.get('rejected', 0)}.")
        sections = [
            ("Rechazos", report.get("rejected", []), _rejection_line),
            ("Nuevos", report.get("created", []), _created_line),
            ("Con cambios", report.get("updated", []), _updated_line),
        ]
        for title, items, line in sections:
            if not items:
                continue
            out(f"\n{title}:")
            for item in items[:limit]:
                out(f"  {line(item)}")
            if limit is not None and len(items) > limit:
                out(f"  … y {len(items) - limit} más (use --completo para verlos todos).")


def _rejection_line(item: dict) -> str:
    return (
        f"fila {item.get('row') or '—'}, columna «{item.get('column') or '—'}»: {item['message']}"
    )


def _created_line(item: dict) -> str:
    return f"fila {item['row']}: {item['kind']} {item['code']} {item['name']}"


def _updated_line(item: dict) -> str:
    changes = "; ".join(f"{c['field']}: {c['before']} → {c['after']}" for c in item["changes"])
    return f"fila {item['row']}: {item['kind']} {item['code']} — {changes}"
