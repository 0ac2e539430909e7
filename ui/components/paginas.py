"""Every page of the app, declared once: its file, menu title, icon, URL and who sees it.

app.py builds the navigation and the sidebar from `MENU`; pages link and switch by the
constants below, so a renamed file is changed in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLERO = "ui/tablero.py"
PASO1 = "ui/paso1_acceso.py"
PASO2 = "ui/paso2_declaracion.py"
PASO3 = "ui/paso3_unidad.py"
PASO3_EXCEL = "ui/paso3_excel.py"
PASO4 = "ui/paso4_grupo.py"
PASO5 = "ui/paso5_especialidad.py"
PASO6 = "ui/paso6_captura.py"
PASO7 = "ui/paso7_finalizar.py"
PASO8 = "ui/paso8_version_final.py"
PASO9 = "ui/paso9_subir.py"
AYUDA = "ui/ayuda.py"
MI_CUENTA = "ui/mi_cuenta.py"
PANORAMA = "ui/analisis_panorama.py"
CRUCE = "ui/analisis_cruce.py"
OPORTUNIDADES = "ui/analisis_oportunidades.py"
ATIPICOS = "ui/analisis_atipicos.py"
ADMIN_PERIODOS = "ui/admin_periodos.py"
ADMIN_REAPERTURAS = "ui/admin_reaperturas.py"
ADMIN_RECEPCION = "ui/admin_recepcion.py"
ADMIN_CUENTAS = "ui/admin_cuentas.py"
ADMIN_BITACORA = "ui/admin_bitacora.py"
ADMIN_CATALOGOS = "ui/admin_catalogos.py"
ADMIN_RESPALDOS = "ui/admin_respaldos.py"


@dataclass(frozen=True)
class Pagina:
    ruta: str
    titulo: str
    url: str
    seccion: str  # "publica", "captura", "analisis" or "administracion": who sees it in the sidebar
    icono: str | None = None


MENU = (
    Pagina(TABLERO, "Tablero de control", "tablero", "publica", "📋"),
    Pagina(PASO1, "Paso 1 · Acceso", "paso1", "publica", "🔑"),
    Pagina(AYUDA, "Ayuda y contacto", "ayuda", "publica", "❓"),
    Pagina(MI_CUENTA, "Mi cuenta", "mi-cuenta", "publica", "👤"),  # sidebar link only when logged in
    Pagina(PASO2, "Paso 2 · Declaración", "paso2", "captura"),
    Pagina(PASO3, "Paso 3 · Unidad Médica", "paso3", "captura"),
    Pagina(PASO3_EXCEL, "Paso 3 · Captura masiva con Excel", "paso3-excel", "captura"),
    Pagina(PASO4, "Paso 4 · Grupo de Servicio", "paso4", "captura"),
    Pagina(PASO5, "Paso 5 · Especialidad Troncal", "paso5", "captura"),
    Pagina(PASO6, "Paso 6 · Excedentes y Faltantes", "paso6", "captura"),
    Pagina(PASO7, "Paso 7 · Finalizar", "paso7", "captura"),
    Pagina(PASO8, "Paso 8 · Versión Final", "paso8", "captura"),
    Pagina(PASO9, "Paso 9 · Subir firmado", "paso9", "captura"),
    Pagina(PANORAMA, "Panorama nacional", "panorama", "analisis", "🗺️"),
    Pagina(CRUCE, "Cruce por estado y especialidad", "cruce", "analisis", "🧮"),
    Pagina(OPORTUNIDADES, "Oportunidades de intercambio", "oportunidades", "analisis", "🔁"),
    Pagina("ui/analisis_comparar.py", "Comparar periodos", "comparar", "analisis", "📈"),
    Pagina(ATIPICOS, "Cifras atípicas confirmadas", "atipicos", "analisis", "🔎"),
    Pagina(ADMIN_PERIODOS, "Periodos y ventanas", "admin-periodos", "administracion", "🗓️"),
    Pagina(ADMIN_REAPERTURAS, "Solicitudes de reapertura", "admin-reaperturas", "administracion", "🔓"),
    Pagina(ADMIN_RECEPCION, "Recepción de originales", "admin-recepcion", "administracion", "📬"),
    Pagina(ADMIN_CUENTAS, "Cuentas y contraseñas", "admin-cuentas", "administracion", "👥"),
    Pagina(ADMIN_BITACORA, "Bitácora", "admin-bitacora", "administracion", "📜"),
    Pagina(ADMIN_CATALOGOS, "Catálogos", "admin-catalogos", "administracion", "🗂️"),
    Pagina(ADMIN_RESPALDOS, "Respaldos", "admin-respaldos", "administracion", "💾"),
)


def de_seccion(seccion: str) -> list[Pagina]:
    return [p for p in MENU if p.seccion == seccion]
