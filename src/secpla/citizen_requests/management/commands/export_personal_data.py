"""Export everything stored about one person (Ley 21.719, right of access).

    secpla export_personal_data --email X | --rut Y [--output file.json]

Writes JSON (to stdout, or to the file): the person's requests with the data they gave and
the events visible to them; internal notes are not included.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from stdnum.exceptions import ValidationError as StdnumError

from secpla.citizen_requests.selectors import personal_data_for


class Command(BaseCommand):
    help = "Exporta en JSON todo lo que el sistema guarda de una persona, por correo o RUT."

    def add_arguments(self, parser):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--email", help="Correo electrónico de la persona")
        who.add_argument("--rut", help="RUT de la persona, por ejemplo 12.345.678-5")
        parser.add_argument("--output", help="Archivo .json de salida (por defecto, pantalla)")

    def handle(self, *args, email=None, rut=None, output=None, **options):
        try:
            data = personal_data_for(email=email or "", rut=rut or "")
        except StdnumError as exc:
            raise CommandError("El RUT no es válido. Ejemplo: 12.345.678-5.") from exc
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if output:
            Path(output).write_text(text + "\n", encoding="utf-8")
            self.stderr.write(f"Solicitudes exportadas: {len(data['solicitudes'])}, en «{output}».")
        else:
            self.stdout.write(text)
        if not data["solicitudes"]:
            self.stderr.write("No hay solicitudes con esos datos.")
