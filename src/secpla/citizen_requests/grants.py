"""The OIRS module's initial grants (applied once to each role; see core.roles).

No new role: the architecture's users table already says who does what.
- Director(a) SECPLA: everything (SECPLA channels the community's requests).
- The SECPLA departments (Estudios, Control y Presupuesto, Licitaciones, Asesor
  Urbanista) read the requests — they use them for territorial analysis and planning —
  and the catalogue.
- Enlace de Dirección: answers the requests routed to its directorate, so it sees,
  registers (presencial, teléfono…) and moves through the workflow only those of its own
  directorate; it reads the catalogue.
- Alcaldía and Administración Municipal read everything, as everywhere.
- Concejal(a): reads the catalogue, nothing with personal data (no grant on Request).
- Administrador(a) del sistema: keeps the catalogue, the OIRS parameters and the Open311
  keys, and reads no request.
Nobody but the Director deletes a request: a request is answered or merged, not erased.
The timeline (RequestEvent) has no grants of its own: it is read and written through its
request.
"""

from __future__ import annotations

from secpla.core.roles import FULL, OWN, READ, WRITE, grant_list

REQUESTS = ["citizen_requests.Request"]
CATALOGUE = ["citizen_requests.Category", "citizen_requests.OirsSettings"]
KEYS = ["citizen_requests.ApiKey"]

GRANTS: dict[str, list[tuple[str, str, str]]] = {
    "director_secpla": grant_list([*REQUESTS, *CATALOGUE, *KEYS], FULL),
    "estudios": grant_list([*REQUESTS, *CATALOGUE], READ),
    "control_presupuesto": grant_list([*REQUESTS, *CATALOGUE], READ),
    "licitaciones": grant_list([*REQUESTS, *CATALOGUE], READ),
    "asesor_urbanista": grant_list([*REQUESTS, *CATALOGUE], READ),
    "enlace_direccion": [
        *grant_list(REQUESTS, WRITE, OWN),
        *grant_list(CATALOGUE, READ),
    ],
    "alcaldia": grant_list([*REQUESTS, *CATALOGUE], READ),
    "administrador_municipal": grant_list([*REQUESTS, *CATALOGUE], READ),
    "concejal": grant_list(CATALOGUE, READ),
    "admin_sistema": grant_list([*CATALOGUE, *KEYS], FULL),
}
