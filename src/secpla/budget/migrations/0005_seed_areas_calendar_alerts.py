"""Initial content of the new catalogues: the six áreas de gestión, the legal budget
calendar and the execution-alert rule. All are editable, dated configuration."""

import datetime as dt

from django.db import migrations

from secpla.budget.reference import ALERT_SOURCE, AREAS, CALENDAR_SOURCE


def load(apps, schema_editor):
    ManagementArea = apps.get_model("budget", "ManagementArea")
    for code, name, sinim in AREAS:
        ManagementArea.objects.get_or_create(code=code, defaults={"name": name, "sinim_code": sinim})
    apps.get_model("budget", "BudgetCalendar").objects.get_or_create(
        valid_from=dt.date(2006, 1, 1),
        defaults={
            "present_from": "01-10",
            "present_until": "07-10",
            "decide_by": "15-12",
            "source": CALENDAR_SOURCE,
        },
    )
    apps.get_model("budget", "AlertRule").objects.get_or_create(
        valid_from=dt.date(2020, 1, 1),
        defaults={
            "investment_prefix": "215.31",
            "from_month": 9,
            "min_accrued_percent": 50,
            "source": ALERT_SOURCE,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("budget", "0004_formulation_and_links")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
