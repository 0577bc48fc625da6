"""The initial catalogue of funding sources (the administrator edits it). Descriptions
summarise docs/domain notes; details marked unverified there are left out."""

from django.db import migrations

SOURCES = [
    # code, name, institution, external
    ("FNDR", "Fondo Nacional de Desarrollo Regional", "Gobierno Regional", True),
    ("FRIL", "Fondo Regional de Iniciativa Local", "Gobierno Regional", True),
    ("C33", "Circular 33 (activos no financieros, conservación)", "Gobierno Regional", True),
    ("PMU", "Programa Mejoramiento Urbano y Equipamiento Comunal", "SUBDERE", True),
    ("PMB", "Programa Mejoramiento de Barrios", "SUBDERE", True),
    ("SECTORIAL", "Programas sectoriales (MINVU, MOP, MINSAL, MINEDUC u otros)", "", True),
    ("MUNICIPAL", "Recursos municipales propios", "Municipalidad", False),
]


def create_sources(apps, schema_editor):
    FundingSource = apps.get_model("projects", "FundingSource")
    for code, name, institution, external in SOURCES:
        FundingSource.objects.get_or_create(
            code=code,
            defaults={"name": name, "institution": institution, "is_external": external},
        )


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial")]

    operations = [migrations.RunPython(create_sources, migrations.RunPython.noop)]
