"""Server-side sessions: the cookie's token is checked in the store on every run, so logging out,
a password change or reset and disabling the account end every copy of it; all in the bitácora."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from core.accounts import cuentas
from core.base import reloj
from core.base.errors import CredencialesInvalidas
from tests.conftest import HOY, PASSWORD, contenido_de_la_base

NUEVA = "Chetumal-2026-QR"


def _entrar(store, usuario: str = "quintana-roo", password: str = PASSWORD) -> str:
    s = cuentas.iniciar_sesion(store, usuario, password)
    assert s.cuenta.usuario == usuario and cuentas.sesion_valida(store, s.token) == s.cuenta
    return s.token


def _bitacora(store, *acciones: str) -> list[tuple]:
    marcas = ", ".join("?" for _ in acciones)
    return store.filas(
        f"SELECT cuenta, accion, objeto, despues FROM auditoria WHERE accion IN ({marcas}) ORDER BY id", list(acciones)
    )


def test_el_token_es_aleatorio_y_la_base_guarda_solo_su_sha256(store_archivo):
    tokens = {_entrar(store_archivo) for _ in range(3)}
    assert len(tokens) == 3 and all(len(t) >= 43 for t in tokens)  # 32 random bytes, URL-safe base64
    ids = {i for (i,) in store_archivo.filas("SELECT id FROM sesion")}
    assert ids == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
    store_archivo.close()
    contenido = contenido_de_la_base(store_archivo)
    assert not any(t.encode() in contenido for t in tokens)


def test_cerrar_sesion_la_termina_para_toda_copia_de_la_cookie(store):
    token = _entrar(store)
    otra = _entrar(store)  # the same account on another computer
    cuentas.cerrar_sesion(store, token)
    assert cuentas.sesion_valida(store, token) is None
    assert cuentas.sesion_valida(store, token) is None  # still refused later, nothing revives it
    assert cuentas.sesion_valida(store, otra) is not None  # logging out here does not end the other
    assert store.fila(
        "SELECT activa, revocada_en IS NOT NULL, motivo FROM sesion WHERE id = ?",
        [hashlib.sha256(token.encode()).hexdigest()],
    ) == (False, True, "cierre")
    cuentas.cerrar_sesion(store, token)  # a second logout (another tab) records nothing more
    assert [a for _, a, _, _ in _bitacora(store, "cierre de sesión")] == ["cierre de sesión"]


def test_restablecer_y_cambiar_la_contrasena_terminan_las_sesiones_anteriores(store, cuenta):
    vieja = _entrar(store)
    temporal = cuentas.restablecer(store, cuenta("admin"), "quintana-roo")
    assert cuentas.sesion_valida(store, vieja) is None
    # The owner logs in with the one-time password and chooses a new one from that session.
    temporal_sesion = _entrar(store, password=temporal)
    otra = _entrar(store, password=temporal)
    renovada = cuentas.cambiar_password(
        store, cuentas.sesion_valida(store, temporal_sesion), temporal, NUEVA, NUEVA, sesion=temporal_sesion
    )
    assert renovada and renovada not in (temporal_sesion, otra)
    assert cuentas.sesion_valida(store, temporal_sesion) is None and cuentas.sesion_valida(store, otra) is None
    assert cuentas.sesion_valida(store, vieja) is None
    c = cuentas.sesion_valida(store, renovada)  # the session that made the change goes on, re-issued
    assert c is not None and c.usuario == "quintana-roo" and not c.debe_cambiar
    revocadas = _bitacora(store, "sesiones revocadas")
    assert [(q, o) for q, _, o, _ in revocadas] == [("admin", "quintana-roo"), ("quintana-roo", "quintana-roo")]
    assert '"motivo": "contraseña restablecida"' in revocadas[0][3] and '"sesiones": 1' in revocadas[0][3]
    assert '"motivo": "cambio de contraseña"' in revocadas[1][3] and '"sesiones": 2' in revocadas[1][3]
    assert [a for _, a, _, _ in _bitacora(store, "sesión renovada")] == ["sesión renovada"]


def test_cambiar_la_contrasena_sin_la_sesion_propia_no_renueva_ninguna(store, cuenta):
    token = _entrar(store)
    ajena = _entrar(store, "chihuahua")
    c = cuentas.sesion_valida(store, token)
    assert cuentas.cambiar_password(store, c, PASSWORD, NUEVA, NUEVA, sesion=ajena) is None
    assert cuentas.sesion_valida(store, token) is None
    assert cuentas.sesion_valida(store, ajena) is not None  # another account's session is not touched


def test_deshabilitar_termina_las_sesiones_y_habilitar_no_las_revive(store, cuenta):
    token = _entrar(store)
    cuentas.deshabilitar(store, cuenta("admin"), "quintana-roo")
    assert cuentas.sesion_valida(store, token) is None
    cuentas.habilitar(store, cuenta("admin"), "quintana-roo")
    assert cuentas.sesion_valida(store, token) is None
    (despues,) = [d for _, _, _, d in _bitacora(store, "sesiones revocadas")]
    assert '"motivo": "cuenta deshabilitada"' in despues


def test_una_cuenta_desactivada_fuera_de_core_tampoco_sigue_dentro(store):
    token = _entrar(store)
    with store.transaction() as tx:
        tx.execute("UPDATE cuenta SET activa = FALSE WHERE usuario = 'quintana-roo'")
    assert cuentas.sesion_valida(store, token) is None
    assert store.valor("SELECT motivo FROM sesion") == "cuenta deshabilitada"
    assert [a for _, a, _, _ in _bitacora(store, "sesión revocada")] == ["sesión revocada"]


def test_vence_por_inactividad(store, monkeypatch):
    monkeypatch.setenv("EYF_INACTIVIDAD_MIN", "20")
    token = _entrar(store)
    try:
        # Clicks every 15 minutes keep it alive for an hour.
        for minutos in (15, 30, 45, 60):
            reloj.fijar(HOY + dt.timedelta(minutes=minutos))
            assert cuentas.sesion_valida(store, token) is not None
        # 20 minutes plus the minute the last activity may lag behind: over.
        reloj.fijar(HOY + dt.timedelta(minutes=60 + 21, seconds=1))
        assert cuentas.sesion_valida(store, token) is None
        reloj.fijar(HOY + dt.timedelta(minutes=60 + 22))
        assert cuentas.sesion_valida(store, token) is None
    finally:
        reloj.fijar(HOY)
    assert store.valor("SELECT motivo FROM sesion") == "inactividad"
    assert [a for _, a, _, _ in _bitacora(store, "sesión vencida por inactividad")] == [
        "sesión vencida por inactividad"
    ]


def test_la_ultima_actividad_se_escribe_a_lo_mas_una_vez_por_minuto(store):
    token = _entrar(store)
    generacion = store.valor("SELECT ultima_actividad FROM sesion")
    try:
        reloj.fijar(HOY + dt.timedelta(seconds=30))
        cuentas.sesion_valida(store, token)
        assert store.valor("SELECT ultima_actividad FROM sesion") == generacion
        reloj.fijar(HOY + dt.timedelta(seconds=61))
        cuentas.sesion_valida(store, token)
        assert store.valor("SELECT ultima_actividad FROM sesion") > generacion
    finally:
        reloj.fijar(HOY)


@pytest.mark.parametrize(
    "alterar",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one character changed
        lambda t: t + "x",  # one added
        lambda t: t[:-1],  # one removed
        lambda t: hashlib.sha256(t.encode()).hexdigest(),  # the id the store keeps (a copy of the database)
        lambda t: "x" * 10_000,  # absurdly long
        lambda t: "",
        lambda t: None,
    ],
    ids=["cambiado", "agregado", "quitado", "id-de-la-base", "largo", "vacio", "ninguno"],
)
def test_un_token_alterado_o_inventado_no_abre_sesion(store, alterar):
    token = _entrar(store)
    assert cuentas.sesion_valida(store, alterar(token)) is None
    assert cuentas.sesion_valida(store, token) is not None  # refusing a forgery ends nothing


def test_una_contrasena_mala_no_abre_sesion(store):
    with pytest.raises(CredencialesInvalidas):
        cuentas.iniciar_sesion(store, "quintana-roo", "equivocada")
    assert store.valor("SELECT count(*) FROM sesion") == 0


def test_inicio_y_fin_en_la_bitacora_con_la_misma_sesion(store):
    token = _entrar(store)
    cuentas.cerrar_sesion(store, token)
    (_, _, _, inicio), (_, _, _, fin) = _bitacora(store, "inicio de sesión", "cierre de sesión")
    corto = hashlib.sha256(token.encode()).hexdigest()[:12]
    assert f'"sesion": "{corto}"' in inicio and f'"sesion": "{corto}"' in fin
    assert token not in inicio + fin


def test_primer_admin_termina_toda_sesion(store):
    token = _entrar(store, "admin")
    cuentas.crear_primer_admin(store)
    assert cuentas.sesion_valida(store, token) is None
    assert store.valor("SELECT count(*) FROM sesion") == 0
