"""What the integrity check shows: the OOAD/UMAE touched is read-only with the reason; Administración
lists stored and audited values and the restore command; a damaged file is a Spanish message."""

from __future__ import annotations

import duckdb

from core.base import rutas
from tests.core.test_preimagen import interrumpir_checkpoint
from tests.pages.conftest import abrir_app, iniciar_sesion


def _alterar_linea(datos, ooad: str) -> None:
    con = duckdb.connect(str(rutas.ruta_base(datos)))
    con.execute(
        "UPDATE linea SET pacientes = pacientes + 1 WHERE id = (SELECT min(id) FROM linea WHERE ooad = ?)", [ooad]
    )
    con.close()


def textos_de_tablas(at) -> str:
    return "\n".join(d.value.to_string() for d in at.dataframe)


def _textos(at) -> str:
    return "\n".join(str(e.value) for e in [*at.markdown, *at.info, *at.error, *at.warning, *at.success, *at.caption])


def test_la_ooad_con_un_dato_alterado_queda_en_solo_consulta(datos):
    _alterar_linea(datos, "chihuahua")
    at = iniciar_sesion(abrir_app(datos), "chihuahua")
    assert not at.exception
    at.switch_page("ui/paso3_unidad.py").run()
    assert not at.exception
    texto = _textos(at)
    assert "solo consulta" in texto and "revisión de integridad" in texto


def test_otra_ooad_sigue_capturando(datos):
    _alterar_linea(datos, "chihuahua")
    at = iniciar_sesion(abrir_app(datos), "colima")
    at.switch_page("ui/paso3_unidad.py").run()
    assert not at.exception
    assert "revisión de integridad" not in _textos(at)


def test_administracion_muestra_guardado_auditado_y_como_restaurar(datos):
    _alterar_linea(datos, "chihuahua")
    at = iniciar_sesion(abrir_app(datos), "admin", persona=None)
    at.switch_page("ui/admin_respaldos.py").run()
    assert not at.exception
    tabla = next(d.value for d in at.dataframe if "Valor en la bitácora" in d.value.columns)
    assert len(tabla) == 1
    fila = tabla.iloc[0]
    assert fila["Tabla"] == "linea" and fila["OOAD/UMAE"] == "chihuahua"
    assert fila["Valor guardado"] != fila["Valor en la bitácora"]
    assert "core.cli restaurar" in _textos(at)


def test_sin_diferencias_administracion_lo_dice(datos):
    at = iniciar_sesion(abrir_app(datos), "admin", persona=None)
    at.switch_page("ui/admin_respaldos.py").run()
    assert not at.exception
    assert "coincide con su último registro" in _textos(at)


def test_un_archivo_danado_muestra_un_mensaje_en_espanol(datos):
    rutas.ruta_base(datos).write_bytes(b"esto no es una base de datos DuckDB" * 1000)
    at = abrir_app(datos)
    assert not at.exception
    assert any("No se pudo abrir la base de datos" in e.value for e in at.error)
    assert "core.cli restaurar" in _textos(at)


def test_un_guardado_interrumpido_a_la_mitad_se_recupera_y_se_avisa(datos):
    """A server killed inside a checkpoint's in-place write (core.base.preimagen): the app starts,
    without the interrupted write, and Administración and the bitácora say what happened."""
    ruta = rutas.ruta_base(datos)
    interrumpir_checkpoint(
        ruta, lambda s: s.escribir(lambda tx: tx.execute("UPDATE cuenta SET nombre = 'Nunca confirmado'"))
    )
    at = iniciar_sesion(abrir_app(datos), "admin", persona=None)
    assert not at.exception
    at.switch_page("ui/admin_respaldos.py").run()
    assert not at.exception
    aviso = " ".join(str(w.value) for w in at.warning)
    assert "un proceso terminó a la mitad de un guardado" in aviso and "último guardado completo" in aviso
    assert "coincide con su último registro" in _textos(at)
    at.switch_page("ui/admin_bitacora.py").run()
    at.multiselect(key="bit_acciones").select("base recuperada").run()
    assert len(at.dataframe[0].value) == 1
    at.switch_page("ui/admin_cuentas.py").run()
    assert not at.exception and "Nunca confirmado" not in textos_de_tablas(at)
