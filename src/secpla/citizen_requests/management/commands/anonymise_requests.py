"""Blank the personal data of requests closed longer ago than the retention period.

    secpla anonymise_requests [--dry-run]

Name, e-mail, phone and RUT are blanked; the description, the category, the dates and the
answer stay (they are the matter, not the person, and feed the statistics). Each request
gets its own change-log entry (its `anonymised_at` changes), so the history of every
request says when its data were removed; the personal values never reach the log.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from secpla.citizen_requests import services


class Command(BaseCommand):
    help = (
        "Anonimiza los datos personales de las solicitudes cerradas hace más tiempo que el "
        "plazo de conservación. Con --dry-run solo informa cuántas serían."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Informa sin modificar")

    def handle(self, *args, dry_run=False, **options):
        queryset, rules = services.anonymisable()
        codes = list(queryset.order_by("closed_at").values_list("tracking_code", flat=True))
        period = f"{rules.retention_months} meses desde el cierre"
        if dry_run:
            self.stdout.write(
                f"Simulación: solicitudes por anonimizar: {len(codes)} (conservación: {period})."
            )
            for code in codes:
                self.stdout.write(f"  {code}")
            return
        reason = f"Anonimización por vencer el plazo de conservación ({period})"
        for request in queryset:
            services.request_anonymise(actor=None, citizen_request=request, reason=reason)
        self.stdout.write(
            self.style.SUCCESS(f"Solicitudes anonimizadas: {len(codes)} (conservación: {period}).")
        )
