"""Paso 6 asks about unusual figures before saving them (issue 12 §5), through AppTest on the demo.

Chihuahua is en captura with SI; the product is one the demo reports in enough OOAD/UMAE for a usual
range to exist, typed into a Chihuahua unit that does not report it yet."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.capture import atipicos
from core.lifecycle import ciclo
from tests.pages.conftest import abrir_app, boton, editar_rejilla, iniciar_sesion, textos
from ui.components import almacen
from ui.components import atipicos as atipicos_ui

OOAD = "chihuahua"


def _caso(store) -> tuple[int, str, str, str, str]:
    anio = ciclo.periodo_actual(store).anio
    producto = store.valor(
        "SELECT producto FROM linea WHERE tipo = 'Excedente' AND anio <= ? GROUP BY producto"
        " HAVING count(*) >= 8 AND count(DISTINCT ooad) >= 3 ORDER BY producto LIMIT 1",
        [anio],
    )
    grupo, especialidad = store.fila(
        "SELECT e.grupo, e.clave FROM producto p JOIN especialidad e ON e.clave = p.especialidad WHERE p.clave = ?",
        [producto],
    )
    unidad = store.valor(
        "SELECT clave FROM unidad u WHERE ooad = ? AND NOT EXISTS (SELECT 1 FROM linea l WHERE l.unidad = u.clave"
        " AND l.producto = ? AND l.anio = ?) ORDER BY clave LIMIT 1",
        [OOAD, producto, anio],
    )
    return anio, producto, grupo, especialidad, unidad


def _paso6_con_cifra(datos, pacientes: str) -> tuple[AppTest, tuple]:
    at = iniciar_sesion(abrir_app(datos), OOAD)
    caso = _caso(almacen.store())
    _, producto, grupo, especialidad, unidad = caso
    for clave, valor in {
        "sel_unidad": unidad,
        "sel_grupo": grupo,
        "sel_especialidad": especialidad,
        "p6_buscar": producto,
    }.items():
        at.session_state[clave] = valor
    at.switch_page("ui/paso6_captura.py").run()
    assert not at.exception, at.exception
    editar_rejilla(at, {producto: {"exc_pacientes": pacientes, "exc_eventos": pacientes}})
    boton(at, "Guardar").click().run()
    boton(at, "Sí, guardar").click().run()
    assert not at.exception, at.exception
    return at, caso


def _guardada(store, caso) -> list[tuple]:
    anio, producto, _, _, unidad = caso
    return store.filas(
        "SELECT pacientes, eventos FROM linea WHERE anio = ? AND unidad = ? AND producto = ?", [anio, unidad, producto]
    )


def _confirmadas(store, caso) -> list[tuple]:
    anio, producto, _, _, unidad = caso
    return store.filas(
        "SELECT objeto FROM auditoria WHERE accion = ? AND anio = ? AND unidad = ? AND objeto = ?",
        [atipicos.ACCION_CONFIRMADA, anio, unidad, producto],
    )


def test_una_cifra_atipica_pide_confirmacion_y_se_guarda_con_ella(datos):
    at, caso = _paso6_con_cifra(datos, "50,000")
    store = almacen.store()
    # Nothing written yet: the question names the figure and its usual range.
    assert _guardada(store, caso) == []
    texto = textos(at)
    assert "50,000 pacientes mensuales" in texto and "lo habitual para este producto es" in texto
    boton(at, atipicos_ui.BOTON_SI).click().run()
    assert not at.exception, at.exception
    assert _guardada(store, caso) == [(50_000, 50_000)]
    assert len(_confirmadas(store, caso)) == 2  # both figures, each confirmed and recorded
    assert "Líneas guardadas: 1 nueva(s)." in textos(at) and "Cambios sin guardar" not in textos(at)


def test_revisar_no_guarda_nada_y_conserva_lo_escrito(datos):
    at, caso = _paso6_con_cifra(datos, "40,000")
    store = almacen.store()
    boton(at, atipicos_ui.BOTON_REVISAR).click().run()
    assert not at.exception, at.exception
    assert _guardada(store, caso) == [] and _confirmadas(store, caso) == []
    assert atipicos_ui.BOTON_SI not in [b.label for b in at.button]
    # The typed figures stay pending (a draft), to be corrected or saved again.
    assert "Cambios sin guardar: 1 nueva(s)" in textos(at)
