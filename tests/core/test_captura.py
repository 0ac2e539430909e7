"""Capture rules: validation, all-or-nothing saves, optimistic locking, audit in the same transaction."""

from __future__ import annotations

import pytest

from core.base.errors import AccesoDenegado, CapturaInvalida, ConflictoEdicion, ErrorDominio
from core.base.texto import normalizar
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO

P = "Persona de prueba (Jefa de servicio)"
HGZ6, HGZ35, PARRAL = "IL-CH-0001", "IL-CH-0002", "IL-CH-0003"


@pytest.fixture
def chihuahua(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    return c


def _lineas(store, unidad=None):
    sql = "SELECT producto, tipo, ambito, causa, pacientes, eventos FROM linea"
    if unidad:
        return store.filas(sql + " WHERE unidad = ? ORDER BY producto", [unidad])
    return store.filas(sql + " ORDER BY unidad, producto")


def _auditoria(store):
    return store.valor("SELECT count(*) FROM auditoria")


def test_excedente_y_faltante_se_guardan_con_su_ambito(store, chihuahua):
    res = captura.guardar(
        store,
        chihuahua,
        P,
        ANIO,
        HGZ6,
        [
            FilaCaptura("39.95", fal_causa="Carencia de Servicio", fal_pacientes=250, fal_eventos=2989),
            FilaCaptura("47.01", exc_pacientes=10, exc_ambito="Ambulatorio"),
        ],
    )
    assert (res.insertadas, res.actualizadas, res.eliminadas) == (2, 0, 0)
    assert _lineas(store, HGZ6) == [
        ("39.95", "Faltante", "Ambulatorio", "Carencia de Servicio", 250, 2989),
        ("47.01", "Excedente", "Ambulatorio", None, 10, None),
    ]


def test_ambito_vacio_toma_el_del_catalogo(store, chihuahua):
    captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("51.23", exc_pacientes="7")])
    assert _lineas(store, HGZ6) == [("51.23", "Excedente", "Hospitalario", None, 7, None)]


MALAS = [
    (FilaCaptura("47.01", exc_pacientes=0), "al menos 1"),
    (FilaCaptura("47.01", exc_pacientes=-3), "al menos 1"),
    (FilaCaptura("47.01", exc_pacientes=2.5), "sin decimales"),
    (FilaCaptura("47.01", exc_pacientes="diez"), "no es un número"),
    (FilaCaptura("47.01", exc_pacientes=True), "número entero"),
    (FilaCaptura("47.01", exc_pacientes=captura.CANTIDAD_MAXIMA + 1), "excede el máximo"),
    (FilaCaptura("47.01", exc_pacientes=5, exc_eventos=10**9), "excede el máximo"),
    (FilaCaptura("47.01", exc_eventos=5), "requiere pacientes mensuales"),
    (FilaCaptura("47.01", fal_pacientes=5), "requiere la causa principal"),
    (FilaCaptura("47.01", fal_causa="Falta de Ganas", fal_pacientes=5), "causa principal «Falta de Ganas» no válida"),
    (FilaCaptura("47.01", fal_causa="Falta de Equipo"), "requiere pacientes mensuales"),
    (FilaCaptura("47.01", exc_pacientes=10, exc_eventos=9), "no pueden ser menos que los pacientes"),
    (FilaCaptura("47.01", fal_causa="Falta de Equipo", fal_pacientes=10, fal_eventos=3), "no pueden ser menos"),
    (FilaCaptura("47.01", exc_pacientes=5, fal_causa="Falta de Equipo", fal_pacientes=5), "Excedente y Faltante"),
    (FilaCaptura("47.01", exc_pacientes=5, exc_ambito="Domiciliario"), "Ambulatorio/Hospitalario"),
    (FilaCaptura("NO-EXISTE", exc_pacientes=5), "no existe en el catálogo"),
]


@pytest.mark.parametrize("fila,regla", MALAS, ids=[m[1] + "-" + str(i) for i, m in enumerate(MALAS)])
def test_entrada_mala_se_rechaza_y_no_guarda_nada(store, chihuahua, fila, regla):
    buena = FilaCaptura("51.23", exc_pacientes=3)
    antes = _auditoria(store)
    with pytest.raises(CapturaInvalida) as exc:
        captura.guardar(store, chihuahua, P, ANIO, HGZ6, [buena, fila])
    mensaje = str(exc.value)
    assert regla in mensaje
    assert "No se guardó nada" in mensaje
    if fila.producto != "NO-EXISTE":
        assert "47.01" in mensaje and "Apendicectomía laparoscópica" in mensaje  # names the row
    assert _lineas(store) == []
    assert _auditoria(store) == antes


def test_fila_vacia_no_guarda_nada(store, chihuahua):
    res = captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_ambito="Ambulatorio")])
    assert res.insertadas == 0 and _lineas(store) == []


def test_numeros_como_texto_con_comas_y_flotantes_enteros_se_aceptan(store, chihuahua):
    captura.guardar(
        store,
        chihuahua,
        P,
        ANIO,
        HGZ6,
        [
            FilaCaptura("47.01", exc_pacientes="1,200", exc_eventos=2400.0),
        ],
    )
    assert _lineas(store, HGZ6)[0][4:] == (1200, 2400)


def test_editar_y_borrar_una_linea_guardada(store, chihuahua):
    captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    v = store.valor("SELECT version FROM linea")
    res = captura.guardar(
        store,
        chihuahua,
        P,
        ANIO,
        HGZ6,
        [FilaCaptura("47.01", version=v, fal_causa="Falta de Personal", fal_pacientes=8)],
    )
    assert res.actualizadas == 1
    assert _lineas(store, HGZ6) == [("47.01", "Faltante", "Hospitalario", "Falta de Personal", 8, None)]
    v2 = store.valor("SELECT version FROM linea")
    assert v2 == v + 1
    res = captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("47.01", version=v2)])
    assert res.eliminadas == 1 and _lineas(store) == []


def test_misma_fila_de_otra_persona_se_rechaza_y_se_nombra(store, chihuahua):
    captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    cargada = store.valor("SELECT version FROM linea")
    # Ana saves first, from the same loaded version ...
    captura.guardar(store, chihuahua, "Ana", ANIO, HGZ6, [FilaCaptura("47.01", version=cargada, exc_pacientes=6)])
    # ... then Beto, who loaded the same version, saves the same product and another one.
    with pytest.raises(ConflictoEdicion) as exc:
        captura.guardar(
            store,
            chihuahua,
            "Beto",
            ANIO,
            HGZ6,
            [
                FilaCaptura("47.01", version=cargada, exc_pacientes=7),
                FilaCaptura("51.23", exc_pacientes=1),
            ],
        )
    assert "47.01" in str(exc.value) and "Ana" in str(exc.value)
    assert _lineas(store, HGZ6) == [("47.01", "Excedente", "Hospitalario", None, 6, None)]


def test_alta_simultanea_del_mismo_producto_es_conflicto(store, chihuahua):
    captura.guardar(store, chihuahua, "Ana", ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=6)])
    with pytest.raises(ConflictoEdicion):
        captura.guardar(store, chihuahua, "Beto", ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=9)])


def test_cada_cambio_deja_su_bitacora_con_antes_y_despues(store, chihuahua):
    captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("47.01", version=1, exc_pacientes=9)])
    filas = store.filas(
        "SELECT cuenta, persona, accion, ooad, unidad, objeto, antes, despues FROM auditoria"
        " WHERE accion LIKE 'línea%' ORDER BY id"
    )
    assert [f[2] for f in filas] == ["línea creada", "línea modificada"]
    assert filas[1][:6] == ("chihuahua", P, "línea modificada", "chihuahua", HGZ6, "47.01")
    assert '"pacientes": 5' in filas[1][6] and '"pacientes": 9' in filas[1][7]


def test_sin_declarar_si_no_se_captura(store, cuenta):
    c = cuenta("chihuahua")
    with pytest.raises(ErrorDominio, match="conteste SI"):
        captura.guardar(store, c, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    ciclo.declarar(store, c, P, ANIO, "NO")
    with pytest.raises(ErrorDominio, match="conteste SI"):
        captura.guardar(store, c, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])


@pytest.mark.parametrize("usuario", ["quintana-roo", "analista", "admin"])
def test_nadie_mas_escribe_en_la_ooad(store, chihuahua, cuenta, usuario):
    with pytest.raises(AccesoDenegado):
        captura.guardar(store, cuenta(usuario), P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    assert _lineas(store) == []


def test_capturista_no_lee_lineas_de_otra_ooad(store, chihuahua, cuenta):
    captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])
    otra = cuenta("quintana-roo")
    with pytest.raises(AccesoDenegado):
        captura.lineas_unidad(store, otra, ANIO, HGZ6)
    with pytest.raises(AccesoDenegado):
        captura.lineas_ooad(store, otra, ANIO, "chihuahua")
    with pytest.raises(AccesoDenegado):
        captura.unidades(store, otra, ANIO, "chihuahua")
    with pytest.raises(AccesoDenegado):
        ciclo.version_final(store, otra, ANIO, "chihuahua")
    assert len(captura.lineas_ooad(store, cuenta("analista"), ANIO, "chihuahua")) == 1
    assert len(captura.lineas_unidad(store, chihuahua, ANIO, HGZ6)) == 1


def test_sin_sesion_no_se_lee_ni_escribe(store, chihuahua):
    with pytest.raises(AccesoDenegado):
        captura.lineas_unidad(store, None, ANIO, HGZ6)
    with pytest.raises(AccesoDenegado):
        captura.guardar(store, None, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=5)])


def test_busqueda_ignora_mayusculas_acentos_y_encuentra_la_clave(store):
    assert captura.productos(store, "CIR-GEN", "APENDICECTOMIA")["clave"].tolist() == ["47.01", "47.09"]
    assert captura.productos(store, "CIR-GEN", "colecistectomía LAPARO")["clave"].tolist() == ["51.23"]
    assert captura.productos(store, "CIR-GEN", "53.0")["clave"].tolist() == ["53.00"]
    assert captura.productos(store, "CIR-GEN", "")["clave"].size == 4
    assert captura.productos(store, "CIR-GEN", "x' OR 1=1 --").empty


def test_busqueda_ordena_exacta_luego_inicial_luego_palabra_luego_otras(store):
    # Codes chosen so that ordering by code alone would put every product in the wrong place.
    extra = [
        ("AA-0", "Sesión de ZZ-9 en casa"),  # names another product's code
        ("AA-1", "Prehemodiálisis"),  # «hemodialisis» inside a word of the name: last
        ("AA-2", "Procedimiento de hemodiálisis con reuso de dializador"),  # a word starts with it
        ("AA-3", "Hemodiálisis de urgencia"),  # the name starts with it
        ("ZZ-9", "Hemodiálisis."),  # the whole name (punctuation aside): first
    ]
    with store.transaction() as tx:
        for clave, nombre in extra:
            tx.execute(
                "INSERT INTO producto (clave, especialidad, nombre, ambito_default, busqueda) VALUES (?, 'HEM', ?, "
                "'Ambulatorio', ?)",
                [clave, nombre, normalizar(f"{clave} {nombre}")],
            )
    assert captura.productos(store, "HEM", "HEMODIÁLISIS")["clave"].tolist() == [
        "39.95",  # «Hemodiálisis» (the mini catalog's own), exact like ZZ-9; by code within a rank
        "ZZ-9",
        "AA-3",
        "AA-2",
        "HD-0001",  # the guide's «Procedimiento de hemodiálisis con reuso…»
        "AA-1",
    ]
    # The code ranks too: typing a code lists that product before a name that mentions it.
    assert captura.productos(store, "HEM", "zz-9")["clave"].tolist() == ["ZZ-9", "AA-0"]
    # No search: by code, as before.
    assert captura.productos(store, "HEM", "")["clave"].tolist() == sorted(captura.productos(store, "HEM")["clave"])


def test_unidades_marcan_las_que_ya_tienen_captura(store, chihuahua):
    captura.guardar(
        store, chihuahua, P, ANIO, HGZ35, [FilaCaptura("LAB-0001", fal_causa="Carencia de Servicio", fal_pacientes=200)]
    )
    df = captura.unidades(store, chihuahua, ANIO, "chihuahua")
    assert dict(zip(df["clave"], df["lineas"], strict=False)) == {HGZ6: 0, HGZ35: 1, PARRAL: 0, "IL-CH-0004": 0}
    assert captura.unidades(store, chihuahua, ANIO, "chihuahua", "parral")["clave"].tolist() == [PARRAL]
