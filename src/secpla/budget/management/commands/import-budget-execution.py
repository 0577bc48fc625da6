"""Import one month of budget execution from the accounting system's export.

    secpla import-budget-execution FILE --year YYYY --month MM [--dry-run] [--user USERNAME]

Prints the progress (percent) to stderr and the report in Spanish; exits with a non-zero
code when the file has errors (nothing is then written). A real import needs --user, a user
allowed to change the budget; a dry run may go without it.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from secpla.budget import execution
from secpla.core.models import User


class Command(BaseCommand):
    help = "Importa la ejecución presupuestaria de un mes (CSV o XLSX). Con --dry-run solo valida."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Archivo .csv o .xlsx exportado de la contabilidad")
        parser.add_argument("--year", type=int, required=True, help="Año del presupuesto")
        parser.add_argument("--month", type=int, required=True, help="Mes (1 a 12)")
        parser.add_argument("--dry-run", action="store_true", help="Valida sin guardar")
        parser.add_argument("--user", help="Usuario que importa (obligatorio salvo --dry-run)")
        parser.add_argument(
            "--completo", action="store_true", help="Lista todos los errores (por defecto, 100)"
        )

    def handle(self, *args, file, year, month, dry_run=False, user=None, completo=False, **kw):
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(f"No existe un usuario activo «{user}».")
        elif not dry_run:
            raise CommandError("Indique con --user quién importa (o use --dry-run).")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No existe el archivo «{file}».")
        last = [-1]

        def progress(done: int, total: int) -> None:
            percent = min(100, done * 100 // max(total, 1))
            if percent != last[0]:
                last[0] = percent
                self.stderr.write(f"\rProgreso: {percent:3d} %", ending="")
                self.stderr.flush()

        try:
            with path.open("rb") as handle:
                report = execution.import_month(
                    actor=actor,
                    budget_year=year,
                    month=month,
                    source=handle,
                    file_name=path.name,
                    dry_run=dry_run,
                    progress=progress,
                )
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        if last[0] >= 0:
            self.stderr.write("")
        self.stdout.write(report.text(limit=None if completo else 100))
        if not report.ok:
            raise CommandError(f"El archivo tiene {len(report.errors)} error(es); no se importó.")
