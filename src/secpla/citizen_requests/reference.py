"""The initial OIRS parameters and where each value comes from (seeded by migration 0002;
the administrator edits them as dated configuration). [U] marks what the domain notes
could not verify."""

from __future__ import annotations

SETTINGS_SOURCE = (
    "Plazo máximo: Ley 18.695 art. 98 (incorporado por la Ley 20.500, art. 33): la OIRS "
    "responde en un plazo nunca superior a 30 días, de acuerdo con la Ley 19.880; se "
    "cuentan en días hábiles por la Ley 19.880 art. 25 [U: redacción exacta del art. 25]. "
    "Plazo por defecto: igual al máximo legal; la ordenanza de participación puede fijar "
    "uno menor. Plazo para reabrir: 10 días hábiles desde la respuesta, regla local "
    "[U: ninguna ley lo fija; ajústelo a la ordenanza]. Conservación de datos personales: "
    "24 meses desde el cierre, política local [U: la Ley 21.719 pide conservarlos solo el "
    "tiempo necesario, sin un plazo fijo]. Radio y ventana de duplicados: parámetros "
    "operativos. «Vigente desde 01-01-2000» es una fecha técnica que cubre todo registro, "
    "no la fecha de la ley."
)

CONSENT_VERSION = "2026-1"
CONSENT_TEXT = (
    "Autorizo a la Municipalidad a usar los datos de contacto que entrego (nombre, correo, "
    "teléfono y RUT, si lo indico) solo para tramitar y responder esta solicitud e "
    "informarme de su estado. Mis datos no se publican ni se comparten, y se anonimizan "
    "cuando vence el plazo de conservación después del cierre. Puedo pedir acceso, "
    "rectificación o supresión de mis datos en la OIRS (Ley 21.719 sobre protección de "
    "datos personales)."
)
