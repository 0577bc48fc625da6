from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "secpla.core"
    label = "core"
    verbose_name = "Núcleo"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from secpla.core import audit

        audit.connect_signals()  # every app's models are loaded before any ready() runs

        # After every app's permissions exist (contenttypes and auth run first).
        post_migrate.connect(_ensure_roles_after_migrate, dispatch_uid="secpla_roles")


def _ensure_roles_after_migrate(sender, app_config=None, using="default", **kwargs):
    # post_migrate fires once per app; roles need the permissions of all apps.
    from django.apps import apps

    last_app = list(apps.get_app_configs())[-1]
    if app_config is not None and app_config.label == last_app.label:
        from secpla.core.roles import ensure_roles

        ensure_roles()
