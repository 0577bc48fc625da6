"""The initial catalogue of initiative statuses (the administrator edits it)."""

from decimal import Decimal

from django.db import migrations

STATUSES = [
    # name, default progress, position, closed, counts in the plan's progress
    ("Sin iniciar", Decimal("0"), 10, False, True),
    ("En diseño", Decimal("10"), 20, False, True),
    ("En búsqueda de financiamiento", Decimal("20"), 30, False, True),
    ("En ejecución", Decimal("50"), 40, False, True),
    ("Terminada", Decimal("100"), 50, True, True),
    ("Suspendida", None, 60, False, True),
    ("Descartada", None, 70, True, False),
]


def create_statuses(apps, schema_editor):
    InitiativeStatus = apps.get_model("planning", "InitiativeStatus")
    for name, progress, position, closed, counts in STATUSES:
        InitiativeStatus.objects.get_or_create(
            name=name,
            defaults={
                "default_progress": progress,
                "position": position,
                "is_closed": closed,
                "counts_in_progress": counts,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("planning", "0001_initial")]

    operations = [migrations.RunPython(create_statuses, migrations.RunPython.noop)]
