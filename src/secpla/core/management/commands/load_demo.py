from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from secpla.core.demo import DEMO_PASSWORD, USERS, load_demo
from secpla.core.roles import ROLES


class Command(BaseCommand):
    help = "Carga la municipalidad de demostración (Bulnes). Ejecutarlo dos veces no cambia nada."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Permite cargar la demo con DEBUG desactivado.",
        )

    def handle(self, *args, allow_production=False, **options):
        if not settings.DEBUG and not allow_production:
            raise CommandError(
                "La demo crea usuarios con contraseñas conocidas: no se carga con DEBUG "
                "desactivado (use --allow-production si de verdad lo quiere)."
            )
        counts = load_demo()
        self.stdout.write(f"Registros nuevos: {counts['created']}.")
        self.stdout.write("Usuarios de demostración (uno por rol):")
        for username, _first, _last, role, *_ in USERS:
            self.stdout.write(
                f"  {ROLES[role][0]:<40} usuario: {username:<15} contraseña: {DEMO_PASSWORD}"
            )
