"""Reference data every deployment needs: the official comuna list (CUT), the regional
holidays set by law, and the UTM values found in a secondary source (unverified)."""

import datetime as dt

from django.db import migrations

REGIONAL_HOLIDAYS = [
    # (region code, comunas or "", month, day, name, valid_from, legal source)
    ("15", "", 6, 7, "Asalto y Toma del Morro de Arica", dt.date(2013, 1, 1),
     "Ley 20.663 (feriado regional en la Región de Arica y Parinacota)"),
    ("16", "16101, 16103", 8, 20, "Nacimiento del Prócer de la Independencia",
     dt.date(2014, 1, 1),
     "Ley 20.678 (feriado en las comunas de Chillán y Chillán Viejo)"),
]

# Values from secondary sources: loaded with verified=False so the administrator
# confirms them against the SII table. No other month is guessed.
UTM_VALUES = [
    (2024, 10, 66561, "Fuente secundaria citada en la referencia de dominio del proyecto",
     "https://comoydonde.cl/?p=62"),
    (2026, 1, 69751, "Fuente secundaria (proyectos de código abierto que citan al Banco Central)",
     ""),
    (2026, 6, 71506, "Fuente secundaria (proyecto de código abierto, verificado jun-2026)", ""),
]


def load(apps, schema_editor):
    from secpla.core.reference import load_territory

    Region = apps.get_model("core", "Region")
    load_territory(Region, apps.get_model("core", "Province"), apps.get_model("core", "Comuna"))
    RegionalHoliday = apps.get_model("core", "RegionalHoliday")
    for region, comunas, month, day, name, valid_from, source in REGIONAL_HOLIDAYS:
        RegionalHoliday.objects.get_or_create(
            region=Region.objects.get(code=region), month=month, day=day,
            defaults={"name": name, "comunas_cut": comunas, "valid_from": valid_from,
                      "legal_source": source},
        )
    UTMValue = apps.get_model("core", "UTMValue")
    for year, month, value, source, url in UTM_VALUES:
        UTMValue.objects.get_or_create(
            year=year, month=month,
            defaults={"value": value, "source": source, "source_url": url, "verified": False},
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
