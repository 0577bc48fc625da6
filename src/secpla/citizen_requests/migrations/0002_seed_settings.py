"""The first row of OIRS parameters, with its sources (editable dated configuration)."""

import datetime as dt

from django.db import migrations

from secpla.citizen_requests.reference import CONSENT_TEXT, CONSENT_VERSION, SETTINGS_SOURCE


def load(apps, schema_editor):
    apps.get_model("citizen_requests", "OirsSettings").objects.get_or_create(
        valid_from=dt.date(2000, 1, 1),
        defaults={
            "max_answer_days": 30,
            "default_answer_days": 30,
            "reopen_days": 10,
            "retention_months": 24,
            "duplicate_radius_m": 100,
            "duplicate_window_days": 30,
            "consent_version": CONSENT_VERSION,
            "consent_text": CONSENT_TEXT,
            "source": SETTINGS_SOURCE,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("citizen_requests", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
