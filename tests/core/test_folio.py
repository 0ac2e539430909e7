"""The folio stands for one exact final version: every figure of every line and the version number are
in it, and nothing else (who signs, when it was reprinted) is."""

from __future__ import annotations

import pytest

from core.capture import captura, reportes
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, folio
from tests.conftest import ANIO

P = "Persona que finaliza"
HGZ6, HGZ35 = "IL-CH-0001", "IL-CH-0002"


@pytest.fixture
def finalizada(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    captura.guardar(
        store,
        c,
        P,
        ANIO,
        HGZ6,
        [
            FilaCaptura(
                "39.95", fal_causa="Carencia de Servicio", fal_pacientes=250, fal_eventos=2989, fal_ambito="Ambulatorio"
            ),
            FilaCaptura("47.01", exc_pacientes=5, exc_ambito="Hospitalario"),
        ],
    )
    assert ciclo.finalizar(store, c, P, ANIO) == 1
    return c


def _cambiar_linea(store, producto: str, columna: str, valor) -> None:
    """Edit one stored line of version 1 in place: the folio must see that one difference alone (same
    OOAD/UMAE, period and version), which no sequence of captures can produce."""
    with store.transaction() as tx:
        n = tx.execute(
            f"UPDATE version_final_linea SET {columna} = ? WHERE anio = ? AND ooad = 'chihuahua' AND version = 1"
            " AND producto = ? RETURNING 1",
            [valor, ANIO, producto],
        ).fetchall()
    assert len(n) == 1


@pytest.mark.parametrize(
    "producto,columna,valor",
    [
        ("39.95", "pacientes", 251),
        ("47.01", "pacientes", 6),
        ("39.95", "eventos", 2990),
        ("47.01", "eventos", 5),  # an Excedente without events gains some
        ("39.95", "eventos", None),  # a Faltante loses its events
        ("39.95", "causa", "Falta de Equipo"),
        ("39.95", "ambito", "Hospitalario"),
        ("47.01", "ambito", "Ambulatorio"),
        ("47.01", "tipo", "Faltante"),
        ("47.01", "unidad", HGZ35),
        ("47.01", "producto", "47.09"),
    ],
)
def test_folio_cambia_con_cada_dato_de_cada_linea(store, finalizada, producto, columna, valor):
    antes = folio.calcular(store, ANIO, "chihuahua", 1)
    _cambiar_linea(store, producto, columna, valor)
    despues = folio.calcular(store, ANIO, "chihuahua", 1)
    assert despues.startswith("EYF-2026-08-V1-") and despues != antes


def test_folio_cambia_con_la_respuesta_del_paso_2(store, finalizada):
    antes = folio.calcular(store, ANIO, "chihuahua", 1)
    with store.transaction() as tx:
        tx.execute("UPDATE version_final SET respuesta = 'NO' WHERE anio = ? AND ooad = 'chihuahua'", [ANIO])
    assert folio.calcular(store, ANIO, "chihuahua", 1) != antes


def test_otra_version_con_las_mismas_lineas_tiene_otro_resumen(store, finalizada, cuenta):
    """Rewriting V1 as V2 on a signed paper must not give a valid folio: the digest covers the version."""
    ciclo.reabrir(store, cuenta("admin"), ANIO, "chihuahua", "Revisión sin cambios")
    assert ciclo.finalizar(store, finalizada, P, ANIO) == 2
    v1, v2 = folio.calcular(store, ANIO, "chihuahua", 1), folio.calcular(store, ANIO, "chihuahua", 2)
    assert v1.startswith("EYF-2026-08-V1-") and v2.startswith("EYF-2026-08-V2-")
    assert v1.rsplit("-", 1)[1] != v2.rsplit("-", 1)[1]
    # The lines are the same in both versions: only the version number tells them apart.
    consulta = (
        "SELECT unidad, producto, tipo, ambito, causa, pacientes, eventos FROM version_final_linea"
        " WHERE version = ? ORDER BY ALL"
    )
    assert store.filas(consulta, [1]) == store.filas(consulta, [2])


def test_los_firmantes_no_cambian_el_folio(store, finalizada):
    antes, _ = reportes.final(store, finalizada, ANIO, "chihuahua")
    reportes.guardar_firmantes(store, finalizada, P, ANIO, [("Dra. Ana Pérez", "Titular de la OOAD")])
    con_firmantes, _ = reportes.final(store, finalizada, ANIO, "chihuahua")
    reportes.guardar_firmantes(
        store,
        finalizada,
        P,
        ANIO,
        [("Lic. Luis Gómez", "Jefe de Prestaciones Médicas"), ("Dra. Ana Pérez", "Titular de la OOAD")],
    )
    otros, _ = reportes.final(store, finalizada, ANIO, "chihuahua")
    assert reportes.firmantes(store, finalizada, ANIO, "chihuahua")[0].nombre == "Lic. Luis Gómez"
    assert antes == con_firmantes == otros == folio.calcular(store, ANIO, "chihuahua", 1)
