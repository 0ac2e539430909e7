"""Tablero read model and accounts."""

from __future__ import annotations

import pytest

from core.accounts import cuentas
from core.base.errors import CredencialesInvalidas
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, tablero
from tests.conftest import ANIO, PASSWORD, contenido_de_la_base


def test_tablero_deja_en_blanco_a_quien_no_ha_iniciado(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, "x", ANIO, "SI")
    captura.guardar(
        store, c, "x", ANIO, "IL-CH-0002", [FilaCaptura("LAB-0001", fal_causa="Falta de Equipo", fal_pacientes=5)]
    )
    ciclo.declarar(store, cuenta("quintana-roo"), "x", ANIO, "NO")
    df = tablero.filas(store, ANIO).set_index("clave")
    assert df.loc["chihuahua", ["total", "con", "sin", "estado"]].tolist() == [4, 1, 3, "en captura"]
    assert df.loc["quintana-roo", ["total", "con", "sin"]].tolist() == [2, 0, 2]
    assert df.loc["umae-hes-cmn-siglo-xxi", "estado"] == "sin iniciar"
    assert df.loc["umae-hes-cmn-siglo-xxi", ["con", "sin"]].isna().all()
    assert df["numero"].tolist() == sorted(df["numero"])
    t = tablero.totales(tablero.filas(store, ANIO))
    assert (t["unidades"], t["con"], t["sin"], t["en captura"], t["sin iniciar"]) == (7, 1, 5, 2, 1)


def test_autenticar_y_bitacora_de_intentos(store):
    with pytest.raises(CredencialesInvalidas, match="incorrectos"):
        cuentas.autenticar(store, "chihuahua", "mala")
    with pytest.raises(CredencialesInvalidas):
        cuentas.autenticar(store, "no-existe", PASSWORD)
    c = cuentas.autenticar(store, " Chihuahua ", PASSWORD)
    assert (c.usuario, c.rol, c.ooad) == ("chihuahua", "capturista", "chihuahua")
    acciones = [a for (a,) in store.filas("SELECT accion FROM auditoria WHERE accion LIKE 'inicio%' ORDER BY id")]
    assert acciones == ["inicio de sesión fallido", "inicio de sesión fallido", "inicio de sesión"]


def test_cuenta_desactivada_no_entra(store):
    with store.transaction() as tx:
        tx.execute("UPDATE cuenta SET activa = FALSE WHERE usuario = 'chihuahua'")
    with pytest.raises(CredencialesInvalidas):
        cuentas.autenticar(store, "chihuahua", PASSWORD)
    assert cuentas.obtener(store, "chihuahua") is None


def test_no_se_guarda_ninguna_contrasena_en_claro(store_archivo):
    cuentas.crear(store_archivo, "nueva", "Nueva", "analista", password="Secreto-Único-123")
    store_archivo.close()
    contenido = contenido_de_la_base(store_archivo)
    assert b"Secreto-\xc3\x9anico-123" not in contenido and b"Secreto" not in contenido


def test_primer_admin_sale_del_modo_demo(store):
    password = cuentas.crear_primer_admin(store)
    assert len(password) >= 12
    assert [u for (u,) in store.filas("SELECT usuario FROM cuenta")] == ["admin"]
    assert cuentas.autenticar(store, "admin", password).rol == "admin"


def test_costo_bcrypt_de_produccion():
    import inspect
    import re

    costo = int(re.search(r"^BCRYPT_COSTO = (\d+)", inspect.getsource(cuentas), re.M).group(1))
    assert costo >= 12
    assert cuentas.hash_password("x", costo=4).startswith("$2b$04$")
