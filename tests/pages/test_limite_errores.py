"""Never a traceback: every page of app.py's menu, with the store failing under it, shows the Spanish
message with a reference and logs the failure in full for the División.

The failure is injected only into the store calls the page script itself makes (a frame of the page
file is on the stack), so the frame in app.py still draws and the boundary around the page is what
is tested. One copy of the demo database and one logged-in AppTest per role serve every page.

AppTest resets Streamlit's legacy `pages/` folder mode before every run, and in that mode a page whose
file name equals its url_path (tablero) runs without app.py. A server does so only on its very first
run (app.py's st.navigation turns the mode off); here every run goes through app.py, as it does there.
"""

from __future__ import annotations

import errno
import re
import shutil
import sys
from pathlib import Path

import duckdb
import pytest
from streamlit.runtime.scriptrunner import script_runner
from streamlit.testing.v1 import AppTest

from core.base import rutas
from core.base.store import Store
from tests.pages.conftest import APP, iniciar_sesion, textos
from ui.components import limite_errores, paginas

RAIZ = Path(APP).parent

# Pages that never read the store: nothing to inject into.
SIN_BASE = {"ui/ayuda.py"}


def _paginas_del_menu() -> list[str]:
    """Every page of the menu app.py builds, by file: a page added to it is covered without editing this test."""
    return [p.ruta for p in paginas.MENU]


PAGINAS = _paginas_del_menu()
FALLAS = {
    "disco_lleno": lambda: duckdb.IOException('IO Error: Could not write file "x.wal": No space left on device'),
    "inesperada": lambda: RuntimeError("falla inyectada"),
}
METODOS = ("filas", "fila", "valor", "df", "transaction", "escribir")


def _por_app_py(main_script_path: str) -> None:
    """Run the entry script the way a server that is past its first run does."""
    codigo = compile(Path(main_script_path).read_text(encoding="utf-8"), main_script_path, "exec")
    exec(codigo, {"__name__": "__main__", "__file__": main_script_path})  # noqa: S102


def _rol(pagina: str) -> str:
    """A role that may open the page: the capture steps as their OOAD, the rest as the División's admin."""
    return "coahuila" if re.search(r"pages/paso[2-9]_", pagina) else "admin"


@pytest.fixture(scope="module")
def apps(tmp_path_factory, base_demo):
    """One demo database copy and one logged-in AppTest per role, shared by the whole module."""
    carpeta = tmp_path_factory.mktemp("limite")
    shutil.copy(base_demo, rutas.ruta_base(carpeta))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EYF_DATA_DIR", str(carpeta))
        mp.setenv("EYF_COOKIE_KEY", "k" * 64)
        mp.setattr(script_runner, "_mpa_v1", _por_app_py)
        sesiones = {}

        def sesion(rol: str) -> AppTest:
            if rol not in sesiones:
                at = AppTest.from_file(APP, default_timeout=60)
                at.run()
                iniciar_sesion(at, rol, persona="Ana Pérez" if rol != "admin" else None)
                assert not at.exception and at.session_state["authentication_status"], rol
                sesiones[rol] = at
            return sesiones[rol]

        yield carpeta, sesion


def _fallar_en(pagina: str, falla, monkeypatch) -> list[str]:
    """Make the Store methods raise `falla()` when called from `pagina`; returns the calls refused."""
    rechazadas = []

    def envolver(nombre, original):
        def metodo(self, *args, **kwargs):
            marco = sys._getframe(1)
            while marco is not None:
                if marco.f_code.co_filename.replace("\\", "/").endswith(pagina):
                    rechazadas.append(nombre)
                    raise falla()
                marco = marco.f_back
            return original(self, *args, **kwargs)

        return metodo

    for nombre in METODOS:
        monkeypatch.setattr(Store, nombre, envolver(nombre, getattr(Store, nombre)))
    return rechazadas


def _registro(carpeta: Path) -> str:
    ruta = carpeta / limite_errores.ARCHIVO
    return ruta.read_text(encoding="utf-8") if ruta.exists() else ""


def test_el_menu_tiene_todas_las_paginas():
    assert len(PAGINAS) == len(set(PAGINAS)) >= 20 and SIN_BASE <= set(PAGINAS)


@pytest.mark.parametrize("falla", list(FALLAS))
@pytest.mark.parametrize("pagina", [p for p in PAGINAS if p not in SIN_BASE])
def test_falla_de_la_base_muestra_mensaje_y_queda_registrada(apps, pagina, falla, monkeypatch):
    carpeta, sesion = apps
    at = sesion(_rol(pagina))
    if _rol(pagina) == "admin":
        at.session_state["ooad_consulta"] = "coahuila"
    antes = _registro(carpeta)
    rechazadas = _fallar_en(pagina, FALLAS[falla], monkeypatch)
    at.switch_page(pagina).run()
    monkeypatch.undo()

    assert rechazadas, f"{pagina} no leyó la base: muévala a SIN_BASE"
    assert not at.exception, at.exception[0].message
    texto = textos(at)
    assert "Traceback" not in texto
    if falla == "disco_lleno":
        assert "el disco del servidor está lleno" in texto
    else:
        assert "Ocurrió un error inesperado. No se guardó nada de esta acción." in texto
    referencia = re.search(r"referencia \*\*(E-[0-9A-F]{6})\*\*", texto).group(1)
    nuevo = _registro(carpeta)[len(antes) :]
    assert referencia in nuevo and "Traceback (most recent call last)" in nuevo
    assert ("No space left on device" if falla == "disco_lleno" else "RuntimeError: falla inyectada") in nuevo


def test_disco_lleno_al_confirmar_en_un_dialogo(datos, monkeypatch):
    """The dialog reruns on its own (a fragment), outside the page's boundary: it carries its own."""
    from tests.pages.conftest import abrir_app, boton

    at = abrir_app(datos)
    iniciar_sesion(at, "chihuahua")  # en captura, with lines: answering NO asks for confirmation
    at.radio(key="paso2_respuesta").set_value("NO").run()
    boton(at, "Guardar").click().run()

    def lleno(self, *args, **kwargs):
        raise duckdb.IOException('IO Error: Could not write file "x.wal": No space left on device')

    monkeypatch.setattr(Store, "escribir", lleno)
    boton(at, "Sí, eliminar").click().run()
    monkeypatch.undo()
    assert not at.exception, at.exception[0].message
    texto = textos(at)
    assert "el disco del servidor está lleno" in texto and "No space left" not in texto
    assert re.search(r"referencia \*\*E-[0-9A-F]{6}\*\*", texto)
    assert "No space left on device" in _registro(datos)


def _app_fragmento_que_falla():
    import streamlit as st

    from ui.components import limite_errores

    @st.fragment
    @limite_errores.protegido
    def celda():
        st.write("antes de la falla")
        raise RuntimeError("falla en el fragmento")

    celda()
    st.write("la página sigue")


def test_un_fragmento_que_falla_muestra_el_mensaje(tmp_path, monkeypatch):
    monkeypatch.setenv("EYF_DATA_DIR", str(tmp_path))
    at = AppTest.from_function(_app_fragmento_que_falla, default_timeout=30).run()
    assert not at.exception
    assert "Ocurrió un error inesperado" in textos(at) and "la página sigue" in textos(at)
    assert "RuntimeError: falla en el fragmento" in _registro(tmp_path)


def _app_control_de_flujo():
    import streamlit as st

    from ui.components import limite_errores

    st.session_state["corridas"] = st.session_state.get("corridas", 0) + 1

    @limite_errores.protegido
    def cuerpo():
        if st.session_state["corridas"] == 1:
            st.rerun()
        st.write("segunda corrida")
        st.stop()

    cuerpo()
    st.write("después de st.stop")


def test_st_rerun_y_st_stop_pasan_sin_mensaje(tmp_path, monkeypatch):
    monkeypatch.setenv("EYF_DATA_DIR", str(tmp_path))
    at = AppTest.from_function(_app_control_de_flujo, default_timeout=30).run()
    assert not at.exception and not at.error
    assert at.session_state["corridas"] == 2
    assert "segunda corrida" in textos(at) and "después de st.stop" not in textos(at)
    assert _registro(tmp_path) == ""


def test_paso9_firmado_que_falta_en_el_disco_lo_dice(datos):
    """The demo's signed PDFs stay behind in the demo folder: this copy has their rows, not their files."""
    from tests.pages.conftest import abrir_app, boton

    at = abrir_app(datos)
    iniciar_sesion(at, "aguascalientes")
    at.switch_page("ui/paso9_subir.py").run()
    boton(at, "Descargar").click().run()
    assert not at.exception
    assert "no se encuentra en el servidor; restaure un respaldo" in textos(at)
    assert "💾 Guardar el PDF" not in [b.label for b in at.get("download_button")]


def test_paso9_firmado_presente_se_ofrece_para_guardar(datos, base_demo):
    from tests.pages.conftest import abrir_app, boton

    shutil.copytree(base_demo.parent / "firmados", datos / "firmados")
    at = abrir_app(datos)
    iniciar_sesion(at, "aguascalientes")
    at.switch_page("ui/paso9_subir.py").run()
    boton(at, "Descargar").click().run()
    assert not at.exception and "no se encuentra en el servidor" not in textos(at)
    assert "💾 Guardar el PDF" in [b.label for b in at.get("download_button")]


@pytest.mark.parametrize(
    "error, dice",
    [
        (
            duckdb.IOException('IO Error: Could not write file "x.wal": No space left on device'),
            "el disco del servidor está lleno",
        ),
        (
            duckdb.Error("Corrupt database file: computed checksum 1136 does not match stored checksum 3347 in block"),
            "la base de datos del servidor está dañada",
        ),
        (
            duckdb.FatalException("FATAL Error: database has been invalidated because of a previous fatal error"),
            "debe reiniciar el servidor",
        ),
        (KeyError("x"), "Ocurrió un error inesperado. No se guardó nada de esta acción. Vuelva a intentarlo"),
    ],
)
def test_el_mensaje_nombra_la_causa_que_la_division_puede_atender(error, dice):
    texto = limite_errores.mensaje(error, "E-ABC123")
    assert dice in texto and "E-ABC123" in texto and "No se guardó nada de esta acción" in texto


def test_disco_lleno_debajo_de_otra_excepcion_tambien_se_nombra():
    try:
        try:
            raise OSError(errno.ENOSPC, "sin espacio")  # only the errno says it
        except OSError as causa:
            raise RuntimeError("no se pudo escribir el archivo") from causa
    except RuntimeError as exc:
        assert "el disco del servidor está lleno" in limite_errores.mensaje(exc, "E-ABC123")


def _decoradores_de_streamlit_sin_limite() -> list[str]:
    import ast

    faltan = []
    for archivo in sorted((RAIZ / "ui").rglob("*.py")):
        for nodo in ast.walk(ast.parse(archivo.read_text(encoding="utf-8"))):
            if not isinstance(nodo, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            nombres = [ast.unparse(d.func if isinstance(d, ast.Call) else d) for d in nodo.decorator_list]
            for i, nombre in enumerate(nombres):
                if nombre in ("st.dialog", "st.fragment") and nombres[i + 1 : i + 2] != ["limite_errores.protegido"]:
                    faltan.append(f"{archivo.relative_to(RAIZ)}:{nodo.lineno} {nodo.name}")
    return faltan


def test_cada_dialogo_y_fragmento_lleva_el_limite():
    """They rerun outside navigation.run(): without @limite_errores.protegido right under the Streamlit
    decorator, a failure in them shows a traceback."""
    assert _decoradores_de_streamlit_sin_limite() == []


def test_una_falla_del_marco_antes_de_la_pagina_muestra_el_mensaje(datos, monkeypatch):
    """Session restore, the account and the sidebar run in app.py before any page: same boundary."""
    from core.accounts import cuentas

    monkeypatch.setattr(script_runner, "_mpa_v1", _por_app_py)  # every run through app.py, as a server does
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at = iniciar_sesion(at, "chihuahua")
    assert not at.exception

    def falla(*_a, **_k):
        raise RuntimeError("fallo inesperado en la sesión")

    monkeypatch.setattr(cuentas, "sesion_valida", falla)
    at.run()
    assert not at.exception
    texto = textos(at)
    assert "Ocurrió un error inesperado" in texto and "E-" in texto
