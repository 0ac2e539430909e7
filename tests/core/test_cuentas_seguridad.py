"""Accounts: one-time passwords stored only as bcrypt, disabling, own password, and the login
lockout (progressive wait, then a lock for a while), every attempt in the bitácora."""

from __future__ import annotations

import datetime as dt
import re

import bcrypt
import pytest

from core.accounts import cuentas
from core.admin import bitacora
from core.base import reloj
from core.base.errors import AccesoBloqueado, AccesoDenegado, CredencialesInvalidas, ErrorDominio
from tests.conftest import HOY, PASSWORD

BCRYPT = re.compile(r"^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$")


def _texto_de_la_base(store) -> str:
    """Everything the database holds in its text columns about accounts and their history."""
    filas = store.filas("SELECT * FROM cuenta") + store.filas("SELECT * FROM auditoria")
    return "\n".join(str(f) for f in filas)


def _acciones(store, usuario) -> list[str]:
    return [a for (a,) in store.filas("SELECT accion FROM auditoria WHERE cuenta = ? ORDER BY id", [usuario])]


def test_alta_muestra_una_contrasena_que_funciona_y_solo_se_guarda_su_bcrypt(store, cuenta):
    admin = cuenta("admin")
    password = cuentas.alta(store, admin, "  Yucatan ", "OOAD Yucatán (capturistas)", "capturista", "chihuahua")
    assert len(password) >= 16
    hash_, debe = store.fila("SELECT hash, debe_cambiar FROM cuenta WHERE usuario = 'yucatan'")
    assert BCRYPT.match(hash_) and bcrypt.checkpw(password.encode(), hash_.encode()) and debe
    assert password not in _texto_de_la_base(store)
    c = cuentas.autenticar(store, "yucatan", password)
    assert (c.usuario, c.rol, c.ooad, c.debe_cambiar) == ("yucatan", "capturista", "chihuahua", True)
    creada = store.fila("SELECT cuenta, objeto FROM auditoria WHERE accion = 'cuenta creada' AND objeto = 'yucatan'")
    assert creada == ("admin", "yucatan")


@pytest.mark.parametrize(
    "usuario,nombre,rol,ooad,mensaje",
    [
        ("a", "Nombre válido", "analista", None, "de 3 a 40 caracteres"),
        ("con espacio", "Nombre válido", "analista", None, "de 3 a 40 caracteres"),
        ("buen-usuario", "N", "analista", None, "Escriba el nombre"),
        ("buen-usuario", "Nombre válido", "jefe", None, "Elija el rol"),
        ("buen-usuario", "Nombre válido", "capturista", None, "necesita su OOAD/UMAE"),
        ("buen-usuario", "Nombre válido", "capturista", "no-existe", "no existe"),
        ("analista", "Nombre válido", "analista", None, "ya existe"),
    ],
)
def test_alta_rechaza_datos_malos_sin_dejar_nada(store, cuenta, usuario, nombre, rol, ooad, mensaje):
    antes = store.valor("SELECT count(*) FROM cuenta")
    with pytest.raises(ErrorDominio, match=mensaje):
        cuentas.alta(store, cuenta("admin"), usuario, nombre, rol, ooad)
    assert store.valor("SELECT count(*) FROM cuenta") == antes


def test_restablecer_da_otra_contrasena_de_un_uso_y_la_anterior_deja_de_servir(store, cuenta):
    nueva = cuentas.restablecer(store, cuenta("admin"), "quintana-roo")
    with pytest.raises(CredencialesInvalidas):
        cuentas.autenticar(store, "quintana-roo", PASSWORD)
    c = cuentas.autenticar(store, "quintana-roo", nueva)
    assert c.debe_cambiar and nueva not in _texto_de_la_base(store)
    # The person then chooses their own: the one-time password stops working.
    cuentas.cambiar_password(store, c, nueva, "Chetumal-2026-QR", "Chetumal-2026-QR")
    assert not cuentas.obtener(store, "quintana-roo").debe_cambiar
    with pytest.raises(CredencialesInvalidas):
        cuentas.autenticar(store, "quintana-roo", nueva)
    assert cuentas.autenticar(store, "quintana-roo", "Chetumal-2026-QR").usuario == "quintana-roo"
    assert "contraseña restablecida" in _acciones(store, "admin")
    assert "contraseña cambiada" in _acciones(store, "quintana-roo")


def test_cuenta_deshabilitada_no_entra_y_se_puede_rehabilitar(store, cuenta):
    admin = cuenta("admin")
    cuentas.deshabilitar(store, admin, "quintana-roo")
    with pytest.raises(CredencialesInvalidas, match="Usuario o contraseña incorrectos"):
        cuentas.autenticar(store, "quintana-roo", PASSWORD)
    assert cuentas.obtener(store, "quintana-roo") is None  # an open session ends on its next click
    assert "quintana-roo" not in dict(cuentas.opciones_acceso(store))
    listado = cuentas.listar(store, admin).set_index("Usuario")
    assert listado.loc["quintana-roo", "Estado"] == "Deshabilitada"
    with pytest.raises(ErrorDominio, match="ya está deshabilitada"):
        cuentas.deshabilitar(store, admin, "quintana-roo")
    with pytest.raises(ErrorDominio, match="su propia cuenta"):
        cuentas.deshabilitar(store, admin, "admin")
    cuentas.habilitar(store, admin, "quintana-roo")
    assert cuentas.autenticar(store, "quintana-roo", PASSWORD).usuario == "quintana-roo"
    assert {"cuenta deshabilitada", "cuenta habilitada"} <= set(_acciones(store, "admin"))


@pytest.mark.parametrize(
    "actual,nueva,confirmacion,mensaje",
    [
        ("mala", "Otra-clave-larga-1", "Otra-clave-larga-1", "actual no es correcta"),
        (PASSWORD, "corta", "corta", "al menos 10"),
        (PASSWORD, "Otra-clave-larga-1", "Otra-clave-larga-2", "no coinciden"),
        (PASSWORD, "mi-chihuahua-2026", "mi-chihuahua-2026", "nombre de usuario"),
        (PASSWORD, PASSWORD, PASSWORD, "distinta de la actual"),
    ],
)
def test_cambiar_la_propia_contrasena_valida_cada_regla(store, cuenta, actual, nueva, confirmacion, mensaje):
    hash_antes = store.valor("SELECT hash FROM cuenta WHERE usuario = 'chihuahua'")
    with pytest.raises(ErrorDominio, match=mensaje):
        cuentas.cambiar_password(store, cuenta("chihuahua"), actual, nueva, confirmacion)
    assert store.valor("SELECT hash FROM cuenta WHERE usuario = 'chihuahua'") == hash_antes


def test_cambiar_contrasena_sin_sesion_se_rechaza(store):
    with pytest.raises(AccesoDenegado):
        cuentas.cambiar_password(store, None, PASSWORD, "Otra-clave-larga-1", "Otra-clave-larga-1")


# -- lockout -------------------------------------------------------------------------------------------
def _fallar(store, usuario="chihuahua", password="equivocada"):
    with pytest.raises(CredencialesInvalidas) as exc:
        cuentas.autenticar(store, usuario, password)
    return str(exc.value)


def test_fallos_repetidos_hacen_esperar_y_luego_bloquean_la_cuenta(store):
    assert _fallar(store) == "Usuario o contraseña incorrectos."
    assert _fallar(store) == "Usuario o contraseña incorrectos."
    tercero = _fallar(store)
    assert "Espere 5 segundo(s)" in tercero and "2 intento(s) fallido(s) más bloquearán la cuenta 15 minutos" in tercero
    # During the wait even the right password is refused, without checking it.
    with pytest.raises(AccesoBloqueado, match="espere 5 segundo"):
        cuentas.autenticar(store, "chihuahua", PASSWORD)
    reloj.fijar(HOY + dt.timedelta(seconds=6))
    assert "Espere 30 segundo(s)" in _fallar(store)
    reloj.fijar(HOY + dt.timedelta(seconds=40))
    with pytest.raises(AccesoBloqueado, match="bloqueada hasta el 15/06/2026 10:15:40"):
        cuentas.autenticar(store, "chihuahua", "equivocada")
    reloj.fijar(HOY + dt.timedelta(minutes=10))
    with pytest.raises(AccesoBloqueado, match="bloqueada hasta el 15/06/2026 10:15:40"):
        cuentas.autenticar(store, "chihuahua", PASSWORD)
    reloj.fijar(HOY + dt.timedelta(minutes=16))
    assert cuentas.autenticar(store, "chihuahua", PASSWORD).usuario == "chihuahua"
    assert _acciones(store, "chihuahua") == [
        "inicio de sesión fallido",
        "inicio de sesión fallido",
        "inicio de sesión fallido",
        "inicio de sesión rechazado (espera)",
        "inicio de sesión fallido",
        "inicio de sesión fallido",
        "cuenta bloqueada",
        "inicio de sesión rechazado (cuenta bloqueada)",
        "inicio de sesión",
    ]
    # The bitácora shows it to the admin with its filter.
    admin = cuentas.obtener(store, "admin")
    assert len(bitacora.consultar(store, admin, acciones=["cuenta bloqueada"], usuario="chihuahua")) == 1
    # A success starts the count again: the next failure is a plain one.
    assert _fallar(store) == "Usuario o contraseña incorrectos."


def test_el_bloqueo_es_por_cuenta(store):
    for segundos in (0, 10, 50, 100, 200):
        reloj.fijar(HOY + dt.timedelta(seconds=segundos))
        _fallar(store)
    with pytest.raises(AccesoBloqueado):
        cuentas.autenticar(store, "chihuahua", PASSWORD)
    assert cuentas.autenticar(store, "quintana-roo", PASSWORD).usuario == "quintana-roo"


def test_fallos_viejos_se_olvidan(store):
    for segundos in (0, 10, 50):
        reloj.fijar(HOY + dt.timedelta(seconds=segundos))
        _fallar(store)
    reloj.fijar(HOY + dt.timedelta(minutes=30))
    assert _fallar(store) == "Usuario o contraseña incorrectos."
    assert cuentas.estado_acceso(store, "chihuahua").fallos == 1


def test_admin_desbloquea_o_restablece_antes_de_tiempo(store, cuenta):
    admin = cuenta("admin")
    for segundos in (0, 10, 50, 100, 200):
        reloj.fijar(HOY + dt.timedelta(seconds=segundos))
        _fallar(store)
    assert cuentas.listar(store, admin).set_index("Usuario").loc["chihuahua", "Estado"].startswith("Bloqueada hasta")
    cuentas.desbloquear(store, admin, "chihuahua")
    assert cuentas.autenticar(store, "chihuahua", PASSWORD).usuario == "chihuahua"
    with pytest.raises(ErrorDominio, match="no tiene intentos fallidos"):
        cuentas.desbloquear(store, admin, "chihuahua")
    assert "cuenta desbloqueada" in _acciones(store, "admin")


def test_usuario_inexistente_queda_en_la_bitacora_sin_bloquear_nada(store):
    _fallar(store, usuario="intruso")
    assert _acciones(store, "intruso") == ["inicio de sesión fallido"]
    assert store.valor("SELECT count(*) FROM acceso_fallido") == 0


def test_fuera_de_las_pruebas_el_hash_usa_costo_12(monkeypatch):
    from tests.conftest import BCRYPT_PRODUCCION

    monkeypatch.setattr(cuentas, "BCRYPT_COSTO", BCRYPT_PRODUCCION)  # what core has before tests lower it
    assert cuentas.hash_password("una-clave-cualquiera").startswith("$2b$12$")
