"""The 2026 municipal classifier and the initial rule for Concejo agreements."""

import datetime as dt

from django.db import migrations

RULE_SOURCE = (
    "CGR Dictamen 9.910/2007: las modificaciones a subtítulos e ítems, y a asignaciones de "
    "proyectos de inversión y de subvenciones o aportes, requieren acuerdo del Concejo; las "
    "desagregaciones del Alcalde no. Agregue los prefijos de subvenciones y aportes que use "
    "la municipalidad."
)


def load(apps, schema_editor):
    from secpla.budget.reference import load_classifier

    load_classifier(apps.get_model("budget", "ClassifierVersion"), apps.get_model("budget", "Account"))
    apps.get_model("budget", "AgreementRule").objects.get_or_create(
        valid_from=dt.date(2007, 1, 1),
        defaults={"levels": "subtitulo,item", "always_prefixes": "215.31", "source": RULE_SOURCE},
    )


class Migration(migrations.Migration):
    dependencies = [("budget", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
