from django.urls import path

from secpla.core import views

app_name = "core"


def crud(prefix: str, url: str, views_tuple) -> list:
    list_view, detail_view, create_view, edit_view, delete_view = views_tuple
    return [
        path(f"{url}/", list_view.as_view(), name=f"{prefix}_list"),
        path(f"{url}/nuevo/", create_view.as_view(), name=f"{prefix}_create"),
        path(f"{url}/<int:pk>/", detail_view.as_view(), name=f"{prefix}_detail"),
        path(f"{url}/<int:pk>/editar/", edit_view.as_view(), name=f"{prefix}_edit"),
        path(f"{url}/<int:pk>/eliminar/", delete_view.as_view(), name=f"{prefix}_delete"),
    ]


user_list, user_detail, _, user_edit, user_delete = views.user_views

urlpatterns = [
    path("municipalidad/", views.MunicipalityDetailView.as_view(), name="municipality"),
    path("municipalidad/editar/", views.MunicipalityEditView.as_view(), name="municipality_edit"),
    *crud("directorate", "direcciones", views.directorate_views),
    *crud("department", "departamentos", views.department_views),
    *crud(
        "user", "usuarios", (user_list, user_detail, views.UserCreateView, user_edit, user_delete)
    ),
    path("usuarios/<int:pk>/contrasena/", views.user_set_password, name="user_set_password"),
    *crud("role", "roles", views.role_views),
    path("roles/<int:pk>/permisos/agregar/", views.role_grant_add, name="role_grant_add"),
    path(
        "roles/<int:pk>/permisos/<int:grant_pk>/quitar/",
        views.role_grant_delete,
        name="role_grant_delete",
    ),
    path("utm/convertir/", views.utm_convert, name="utm_convert"),
    *crud("utmvalue", "utm", views.utm_views),
    *crud("regionalholiday", "feriados-regionales", views.regional_holiday_views),
    *crud("localholiday", "feriados-agregados", views.local_holiday_views),
    *crud("organisation", "organizaciones", views.organisation_views),
    *crud("contact", "contactos", views.contact_views),
    *crud("agreement", "convenios", views.agreement_views),
    path("registro-de-cambios/", views.ChangeLogListView.as_view(), name="changelog_list"),
    path("registro-de-cambios/<int:pk>/", views.changelog_detail, name="changelog_detail"),
    path(
        "documentos/adjuntar/<int:content_type_id>/<str:object_id>/",
        views.document_upload,
        name="document_upload",
    ),
    path("documentos/<int:pk>/", views.document_download, name="document_download"),
    path("documentos/<int:pk>/eliminar/", views.document_delete, name="document_delete"),
    path("calendario/", views.calendar_view, name="calendar"),
]
