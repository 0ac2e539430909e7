"""Every public function of core/ is found by scanning the package and checked for refusals.

A function that takes the store (or a transaction) must appear in exactly one table below. Writes
are called with an analista and with a capturista of another OOAD/UMAE; reads of lines, reports and
uploads with a capturista of another OOAD/UMAE; division and admin functions with the roles below
them. Each call must raise AccesoDenegado and leave the audit trail and the lines untouched. A new
function that is not classified here fails `test_toda_funcion_publica_esta_clasificada`, so it
cannot be forgotten.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pkgutil
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

import core
from core.accounts import cuentas, permisos
from core.admin import importacion, solicitudes
from core.analysis import intercambio
from core.analysis.analisis import Filtros
from core.base import reloj, revision_pdf
from core.base.errors import AccesoDenegado, ErrorDominio
from core.base.temporales import Carpeta
from core.capture import atipicos, borradores, captura, plantilla
from core.capture.captura import FilaCaptura, LineaValida
from core.lifecycle import acciones, ciclo, firmados, reaperturas
from tests.conftest import ANIO, HOY, en_memoria, pdf_firmado, poblado

RAIZ = Path(__file__).resolve().parents[2]
VICTIMA, UNIDAD_VICTIMA = "quintana-roo", "IL-QR-0001"
P = "Persona de prueba"


@dataclass
class Escenario:
    store: object
    dueno: object  # capturista of the victim OOAD
    intruso: object  # capturista of another OOAD
    analista: object
    admin: object
    id_firmado: int
    id_reapertura: int
    id_producto: int
    vista: object
    tmp: Path


LINEA = LineaValida("47.09", "Excedente", "Hospitalario", None, 3, 3)  # a validated line, as guardar has


def _aviso() -> atipicos.Aviso:
    """An outlier warning on the victim's unit, as atipicos.revisar returns them."""
    return atipicos.Aviso(
        unidad=UNIDAD_VICTIMA,
        unidad_nombre="UMF 11, Playa del Carmen",
        producto="47.09",
        producto_nombre="Otra apendicectomía",
        tipo="Excedente",
        cifra=atipicos.PACIENTES,
        valor=900,
        minimo=3.0,
        maximo=300.0,
        mediana=30.0,
        lineas=8,
        ooads=3,
        pacientes=900,
        eventos=None,
    )


def _vista_plantilla() -> plantilla.Vista:
    """A preview of the victim's template with nothing in it (aplicar checks the account before reading it)."""
    return plantilla.Vista(
        anio=ANIO,
        ooad=VICTIMA,
        archivo="p.xlsx",
        sha256="",
        generacion=0,
        registros=(),
        cambios=(),
        sin_cambio=0,
        conflictos=(),
        borradores=(),
    )


def _revisar_aqui(monkeypatch) -> None:
    # The scenario's uploads are read by the same content check in this process instead of a
    # sandboxed child (0.3 s each): the scan is about permissions; the sandbox has its own tests.
    monkeypatch.setattr(revision_pdf, "revisar", lambda datos, **_: revision_pdf.revisar_aqui(datos))


@pytest.fixture(scope="module")
def _escenario_base(tmp_path_factory):
    """The scenario's database and signed-PDF folder, built once per module (clock at HOY, as the
    tests' autouse clock has it); each test gets its own copy (esc)."""
    carpeta = tmp_path_factory.mktemp("escenario")
    previo = reloj._fijo
    reloj.fijar(HOY)
    store = poblado(carpeta / "eyf.duckdb")
    try:
        with pytest.MonkeyPatch.context() as mp:
            _revisar_aqui(mp)
            dueno = cuentas.obtener(store, VICTIMA)
            ciclo.declarar(store, dueno, P, ANIO, "SI")
            captura.guardar(store, dueno, P, ANIO, UNIDAD_VICTIMA, [FilaCaptura("47.01", exc_pacientes=5)])
            borradores.guardar(store, dueno, P, ANIO, UNIDAD_VICTIMA, {"47.09": {"exc_pacientes": "3"}})
            ciclo.finalizar(store, dueno, P, ANIO)
            subida = firmados.subir(
                store, dueno, P, ANIO, VICTIMA, pdf_firmado(), "firmado.pdf", directorio=carpeta / "datos"
            )
            reapertura = reaperturas.solicitar(store, dueno, P, ANIO, "Corregir una cantidad capturada por error")
            id_producto = solicitudes.solicitar_producto(
                store,
                dueno,
                P,
                VICTIMA,
                "CIR-GEN",
                "Procedimiento nuevo de prueba",
                "No aparece en el catálogo y se realiza cada mes",
                "Ambulatorio",
            )
            admin = cuentas.obtener(store, "admin")
            vista = importacion.vista_previa(
                store,
                admin,
                "productos",
                "productos.csv",
                importacion.catalogo_csv(store, admin, "productos")
                + b"99.99,CIR-GEN,Producto importado,Ambulatorio,false,\n",
            )
    finally:
        store.close()
        reloj.fijar(previo)
    return carpeta, subida.id, reapertura.id, id_producto, vista


@pytest.fixture
def esc(_escenario_base, tmp_path, monkeypatch) -> Escenario:
    """The scenario on a store of its own (an in-memory copy, as the `store` fixture) and a copy of its
    signed-PDF folder (the rows hold paths relative to it)."""
    _revisar_aqui(monkeypatch)
    carpeta, id_firmado, id_reapertura, id_producto, vista = _escenario_base
    shutil.copytree(carpeta / "datos", tmp_path, dirs_exist_ok=True)
    store = en_memoria(carpeta / "eyf.duckdb")
    try:
        yield Escenario(
            store,
            cuentas.obtener(store, VICTIMA),
            cuentas.obtener(store, "chihuahua"),
            cuentas.obtener(store, "analista"),
            cuentas.obtener(store, "admin"),
            id_firmado,
            id_reapertura,
            id_producto,
            vista,
            tmp_path,
        )
    finally:
        store.close()


D = dt.date(2026, 6, 10)

# -- writes that name their target: refused to an analista and to a capturista of another OOAD ----
ESCRITURAS = {
    "atipicos.registrar_confirmacion": lambda e: (P, ANIO, [_aviso()]),
    "borradores.descartar": lambda e: (P, ANIO, UNIDAD_VICTIMA),
    "borradores.guardar": lambda e: (P, ANIO, UNIDAD_VICTIMA, {"47.09": {"exc_pacientes": "4"}}),
    "borradores.guardar_captura": lambda e: (P, ANIO, UNIDAD_VICTIMA, [FilaCaptura("47.09", exc_pacientes=3)]),
    "borradores.quitar": lambda e: (P, ANIO, UNIDAD_VICTIMA, ["47.09"]),
    "captura.guardar": lambda e: (P, ANIO, UNIDAD_VICTIMA, [FilaCaptura("47.09", exc_pacientes=3)]),
    "captura.guardar_unidades": lambda e: (P, ANIO, {UNIDAD_VICTIMA: [FilaCaptura("47.09", exc_pacientes=3)]}),
    "plantilla.leer": lambda e: (ANIO, VICTIMA, plantilla.plantilla(e.store, e.dueno, ANIO, VICTIMA), "p.xlsx"),
    "plantilla.aplicar": lambda e: (P, ANIO, VICTIMA, _vista_plantilla()),
    "firmados.subir": lambda e: (P, ANIO, VICTIMA, pdf_firmado(), "otro.pdf", e.tmp),
    "solicitudes.solicitar_producto": lambda e: (
        P,
        VICTIMA,
        "CIR-GEN",
        "Otro producto",
        "Justificación suficientemente larga",
        "Ambulatorio",
    ),
    "acciones.exigir": lambda e: (ANIO, VICTIMA, acciones.CAPTURAR),
}
# -- writes whose OOAD/UMAE is the account's own (no parameter could name another): analista refused;
#    a capturista of another OOAD/UMAE can only ever reach its own data through them.
ESCRITURAS_PROPIAS = {
    "ciclo.declarar": lambda e: (P, ANIO, "NO"),
    "ciclo.finalizar": lambda e: (P, ANIO),
    "reaperturas.solicitar": lambda e: (P, ANIO, "Motivo de la solicitud de reapertura"),
    "reportes.guardar_firmantes": lambda e: (P, ANIO, [("Nombre Apellido", "Cargo")]),
    "copia.copiar": lambda e: (P, ANIO, 1),
    "copia.guardar_todo": lambda e: (P, ANIO),
}
# -- reads of the account's own drafts (keyed by the account; no parameter could name another
#    OOAD/UMAE): refused to the division, which has none
LECTURAS_PROPIAS = {
    "borradores.de_otras_personas": lambda e: (P, ANIO),
    "borradores.listar": lambda e: (P, ANIO),
    "copia.revisar": lambda e: (P, ANIO),
}
# -- the account acting on itself: refused without a session
PROPIAS_DE_LA_CUENTA = {
    "cuentas.cambiar_password": lambda e: ("x", "Nueva-clave-123", "Nueva-clave-123"),
}
# -- reads of one OOAD/UMAE's lines, reports or uploads: refused to a capturista of another
LECTURAS_OOAD = {
    "atipicos.revisar": lambda e: (ANIO, UNIDAD_VICTIMA, [LINEA]),
    "atipicos.revisar_lineas": lambda e: (ANIO, [(UNIDAD_VICTIMA, LINEA)]),
    "acciones.posibles": lambda e: (ANIO, VICTIMA),
    "acciones.posibles_varias": lambda e: (ANIO, [VICTIMA]),
    "captura.exigir_lectura_unidad": lambda e: (UNIDAD_VICTIMA,),
    "captura.lineas_unidad": lambda e: (ANIO, UNIDAD_VICTIMA),
    "captura.lineas_ooad": lambda e: (ANIO, VICTIMA),
    "captura.unidades": lambda e: (ANIO, VICTIMA),
    "rejilla.base": lambda e: (ANIO, UNIDAD_VICTIMA, "CIR-GEN"),
    "ciclo.version_final": lambda e: (ANIO, VICTIMA),
    "comparar.comparar": lambda e: (ANIO, VICTIMA),
    "comparar.versiones": lambda e: (ANIO, VICTIMA),
    "captura.lineas_propias": lambda e: (ANIO, VICTIMA),
    "plantilla.plantilla": lambda e: (ANIO, VICTIMA),
    "firmados.historial": lambda e: (ANIO, VICTIMA),
    "firmados.leer": lambda e: (e.id_firmado, e.tmp),
    "reaperturas.ultima": lambda e: (ANIO, VICTIMA),
    "recepcion.consultar": lambda e: (ANIO, VICTIMA),
    "reportes.final": lambda e: (ANIO, VICTIMA),
    "reportes.firmantes": lambda e: (ANIO, VICTIMA),
    "reportes.folio_vigente": lambda e: (ANIO, VICTIMA),
    "reportes.preliminar": lambda e: (ANIO, VICTIMA),
    "solicitudes.listar": lambda e: (),  # a capturista asking for another OOAD's requests
}
LISTAR_AJENAS = {"solicitudes.listar": {"ooad": VICTIMA}}
# -- the division's reads (analista and admin): refused to any capturista
DIVISION = {
    "atipicos.confirmados": lambda e: (ANIO,),
    "analisis.agregado": lambda e: (ANIO, ["estado"]),
    "analisis.atipicas_confirmadas": lambda e: (ANIO,),
    "analisis.cobertura": lambda e: (ANIO,),
    "analisis.datos_al": lambda e: (ANIO,),
    "analisis.cruce": lambda e: (ANIO,),
    "analisis.detalle": lambda e: (ANIO, {"estado": "23"}, Filtros()),
    "analisis.exportacion_completa": lambda e: (ANIO,),
    "analisis.lineas": lambda e: (ANIO,),
    "analisis.lineas_compactas": lambda e: (ANIO, list(intercambio.COLUMNAS_LINEAS)),
    "analisis.opciones_filtro": lambda e: (),
    "analisis.panorama": lambda e: (ANIO,),
    "analisis.por_estado": lambda e: (ANIO,),
    "comparacion.comparar_periodos": lambda e: (ANIO - 1, ANIO),
    "exportacion.exportar_completa": lambda e: (ANIO, "csv", Carpeta(e.tmp)),
    "intercambio.lineas": lambda e: (ANIO,),
    "recepcion.del_periodo": lambda e: (ANIO,),
}
# -- admin only: refused to an analista and to a capturista
ADMIN = {
    "acciones.del_periodo": lambda e: (ANIO,),
    "bitacora.acciones": lambda e: (),
    "bitacora.consultar": lambda e: (),
    "bitacora.contar": lambda e: (),
    "bitacora.cuentas_registradas": lambda e: (),
    "ciclo.cambiar_ventana": lambda e: (ANIO, D, dt.date(2026, 7, 31)),
    "ciclo.cerrar_periodo": lambda e: (ANIO,),
    "ciclo.crear_periodo": lambda e: (2027, dt.date(2027, 6, 1), dt.date(2027, 6, 30)),
    "ciclo.reabrir": lambda e: (ANIO, VICTIMA, "Motivo suficiente para reabrir"),
    "cuentas.alta": lambda e: ("nueva", "Cuenta nueva", "analista"),
    "cuentas.desbloquear": lambda e: (VICTIMA,),
    "cuentas.deshabilitar": lambda e: (VICTIMA,),
    "cuentas.habilitar": lambda e: (VICTIMA,),
    "cuentas.listar": lambda e: (),
    "cuentas.restablecer": lambda e: (VICTIMA,),
    "importacion.aplicar": lambda e: (e.vista,),
    "integridad.hallazgos": lambda e: (),
    "integridad.recuperacion": lambda e: (),
    "importacion.catalogo_csv": lambda e: ("productos",),
    "importacion.vista_previa": lambda e: ("productos", "p.csv", b"clave\n"),
    "reaperturas.conceder": lambda e: (e.id_reapertura, "Se concede la reapertura"),
    "reaperturas.pendientes": lambda e: (),
    "reaperturas.reabribles": lambda e: (ANIO,),
    "reaperturas.reabrir": lambda e: (ANIO, VICTIMA, "Motivo suficiente para reabrir"),
    "reaperturas.rechazar": lambda e: (e.id_reapertura, "No procede la reapertura"),
    "reaperturas.resueltas": lambda e: (),
    "recepcion.registrar": lambda e: (ANIO, VICTIMA, D, "Quien recibe"),
    "respaldo.listar": lambda e: (e.tmp,),
    "respaldo.respaldar": lambda e: (e.tmp / "respaldo",),
    "solicitudes.aceptar": lambda e: (e.id_producto,),
    "solicitudes.rechazar": lambda e: (e.id_producto, "No procede la solicitud"),
}

# Functions that take the store but no account, and why that is safe. Catalog and progress reads
# show nothing of any OOAD/UMAE's lines (every account sees the tablero's counts and semáforo).
SIN_CUENTA_PUBLICAS = {
    "acciones.motivo_captura": "why a capture screen is locked, shown to everyone (ciclo.motivo_bloqueo)",
    "auditoria.generacion": "a counter used to invalidate caches",
    "captura.especialidades": "catalog",
    "captura.grupos": "catalog",
    "captura.nombre": "catalog",
    "captura.etiqueta_ooad": "catalog: an OOAD/UMAE's name, listed on the public tablero",
    "captura.nombre_unidad_de": "catalog: a unit's name within its OOAD/UMAE",
    "captura.productos": "catalog",
    "estados.cerrado_en": "period settings, shown to everyone",
    "estados.contar_lineas": "a count, as the tablero shows",
    "analisis.contar_lineas": "how many lines a selection has (no value), for the memory guard; the tablero shows each OOAD/UMAE's",
    "estados.estado": "lifecycle state, as the tablero's semáforo shows",
    "estados.estados": "lifecycle states, as the tablero's semáforo shows",
    "ciclo.motivo_bloqueo": "why a screen is locked, shown to everyone",
    "estados.periodo": "period settings",
    "estados.periodo_actual": "period settings",
    "estados.periodos": "period settings",
    "folio.calcular": "a digest printed on the report; reveals no line",
    "solicitudes.siguiente_clave": "next free catalog code",
    "tablero.filas": "counts and semáforo, which every account sees",
    "cuentas.opciones_acceso": "the Paso 1 list of OOAD/UMAE names",
    "cuentas.opciones_ooad": "the OOAD/UMAE names for the accounts form",
    "cuentas.obtener": "re-reads the logged-in account by the name the login set",
    "cuentas.estado_acceso": "whether an account is locked, for the login form",
    "instalacion.modo_demo": "whether the demo banner shows",
    "estados.motivo_integridad": "why an OOAD/UMAE is read-only after the start-up check (names no value)",
}
# The login itself and what runs before any account exists or from the command line, with the
# server stopped. Pages may only use those listed as the login's.
SIN_CUENTA_SISTEMA = {
    "cuentas.autenticar": "checks a password, with lockout (no session: core and tests only)",
    "cuentas.iniciar_sesion": "the login: checks the password, with lockout, and opens a session",
    "cuentas.sesion_valida": "the account of the session whose token the cookie carries, or none",
    "cuentas.cerrar_sesion": "ends the session whose token the page holds (a logout)",
    "auditoria.registrar": "called inside core's own transactions",
    "auditoria.registrar_varios": "called inside core's own transactions (a bulk save's audit rows)",
    "catalogo.cargar": "first run and the import, inside core",
    "cuentas.crear": "demo data and the first admin (command line)",
    "cuentas.crear_primer_admin": "command line",
    "ciclo.crear_periodo_sistema": "the installer's demo period and the command line",
    "demo.cargar": "first run",
    "instalacion.preparar": "first run",
    "integridad.revisar": "start-up (instalacion.abrir), before any account exists",
    "integridad.guardar": "start-up on PostgreSQL (core.cli preparar): the findings for the replicas",
    "integridad.cargar": "a replica's start (instalacion.abrir_servidor), before any account exists",
    "store.bloquear_clave": "called inside core's own transactions (an advisory lock, no data)",
}
PERMITIDAS_EN_PAGINAS = {"cuentas.iniciar_sesion", "cuentas.sesion_valida", "cuentas.cerrar_sesion"}

TABLAS = {
    "escritura": ESCRITURAS,
    "escritura propia": ESCRITURAS_PROPIAS,
    "de la cuenta": PROPIAS_DE_LA_CUENTA,
    "lectura propia": LECTURAS_PROPIAS,
    "lectura OOAD": LECTURAS_OOAD,
    "división": DIVISION,
    "admin": ADMIN,
    "pública": SIN_CUENTA_PUBLICAS,
    "sistema": SIN_CUENTA_SISTEMA,
}


def _funciones_publicas() -> dict[str, object]:
    """Every public function of core/ that reaches data: it takes the store, a transaction or an account."""
    encontradas = {}
    for modulo in pkgutil.walk_packages(core.__path__, "core."):
        if modulo.ispkg:
            continue
        mod = importlib.import_module(modulo.name)
        for nombre, fn in inspect.getmembers(mod, inspect.isfunction):
            if nombre.startswith("_") or fn.__module__ != mod.__name__:
                continue
            params = list(inspect.signature(fn).parameters)
            if params and (params[0] in ("store", "tx") or "cuenta" in params):
                encontradas[f"{modulo.name.rsplit('.', 1)[1]}.{nombre}"] = fn
    return encontradas


FUNCIONES = _funciones_publicas()
PURAS = {
    "analisis.exigir_acceso",
    "permisos.exigir_sesion",
    "permisos.exigir_lectura_ooad",
    "permisos.exigir_captura_ooad",
    "permisos.exigir_division",
    "permisos.exigir_rol",
}  # the checks themselves, tested below


def test_toda_funcion_publica_esta_clasificada():
    clasificadas: dict[str, str] = {}
    for tabla, funciones in TABLAS.items():
        for nombre in funciones:
            assert nombre not in clasificadas, f"{nombre} en «{clasificadas[nombre]}» y en «{tabla}»"
            clasificadas[nombre] = tabla
    sin_clasificar = set(FUNCIONES) - set(clasificadas) - PURAS
    assert not sin_clasificar, f"funciones públicas de core/ sin clasificar: {sorted(sin_clasificar)}"
    inexistentes = set(clasificadas) - set(FUNCIONES)
    assert not inexistentes, f"clasificadas pero ya no existen: {sorted(inexistentes)}"
    assert len(FUNCIONES) > 80  # the scan really finds the package


def test_las_funciones_con_cuenta_estan_en_las_tablas_que_la_comprueban():
    """A function that takes an account is never filed as one that needs none."""
    for nombre in list(SIN_CUENTA_PUBLICAS) + list(SIN_CUENTA_SISTEMA):
        if nombre == "auditoria.registrar":  # records the acting account's name; checks nothing
            continue
        assert "cuenta" not in inspect.signature(FUNCIONES[nombre]).parameters, nombre


@pytest.mark.parametrize("quien", ["chihuahua", "analista", None])
def test_los_controles_mismos_rechazan(quien, cuenta):
    persona = cuenta(quien) if quien else None
    with pytest.raises(AccesoDenegado):
        permisos.exigir_division(persona, admin=True)
    if quien != "analista":  # the division reads every OOAD/UMAE and the analysis
        with pytest.raises(AccesoDenegado):
            FUNCIONES["analisis.exigir_acceso"](persona)
        with pytest.raises(AccesoDenegado):
            permisos.exigir_lectura_ooad(persona, "otra-ooad")
    with pytest.raises(AccesoDenegado):
        permisos.exigir_captura_ooad(persona, "otra-ooad")


def test_escrituras_propias_no_pueden_nombrar_otra_ooad():
    for nombre in [*ESCRITURAS_PROPIAS, *LECTURAS_PROPIAS]:
        params = set(inspect.signature(FUNCIONES[nombre]).parameters)
        assert not params & {"ooad", "unidad", "usuario"}, nombre


def test_las_paginas_no_usan_funciones_de_sistema():
    fuentes = [RAIZ / "app.py", *sorted((RAIZ / "ui").rglob("*.py"))]
    texto = "\n".join(p.read_text(encoding="utf-8") for p in fuentes)
    for nombre in set(SIN_CUENTA_SISTEMA) - PERMITIDAS_EN_PAGINAS:
        modulo, funcion = nombre.split(".")
        assert not re.search(rf"\b{modulo}\.{funcion}\(", texto), f"una página llama a {nombre}"


def _huella(store) -> tuple:
    return (
        store.valor("SELECT count(*) FROM auditoria"),
        store.filas("SELECT id, version, pacientes FROM linea ORDER BY id"),
        store.filas("SELECT anio, ooad, estado, version_final FROM declaracion ORDER BY ALL"),
        store.valor("SELECT count(*) FROM producto"),
        store.filas("SELECT usuario, activa, hash FROM cuenta ORDER BY usuario"),
        store.filas("SELECT anio, inicio, fin, cerrado FROM periodo ORDER BY anio"),
        store.filas("SELECT * FROM borrador ORDER BY ALL"),
    )


def _rechazada(e: Escenario, nombre: str, quien, args: tuple, kwargs: dict | None = None) -> None:
    antes = _huella(e.store)
    with pytest.raises(AccesoDenegado):
        FUNCIONES[nombre](e.store, quien, *args, **(kwargs or {}))
    assert _huella(e.store) == antes, f"{nombre} cambió datos al ser rechazada"


def _permitida(e: Escenario, nombre: str, quien, args: tuple) -> None:
    """The right account is not refused (the call may still fail on a domain rule)."""
    try:
        FUNCIONES[nombre](e.store, quien, *args)
    except AccesoDenegado as exc:
        pytest.fail(f"{nombre} rechazó a quien sí puede: {exc}")
    except ErrorDominio:
        pass


def _casos(tabla: dict) -> list:
    return [pytest.param(nombre, id=nombre) for nombre in sorted(tabla)]


@pytest.mark.parametrize("nombre", _casos(ESCRITURAS))
def test_escritura_rechazada_a_analista_y_a_otra_ooad(esc, nombre):
    args = ESCRITURAS[nombre](esc)
    _rechazada(esc, nombre, esc.analista, args)
    _rechazada(esc, nombre, esc.intruso, args)
    _rechazada(esc, nombre, None, args)


@pytest.mark.parametrize("nombre", _casos(ESCRITURAS_PROPIAS))
def test_escritura_propia_rechazada_a_la_division(esc, nombre):
    args = ESCRITURAS_PROPIAS[nombre](esc)
    _rechazada(esc, nombre, esc.analista, args)
    _rechazada(esc, nombre, esc.admin, args)
    _rechazada(esc, nombre, None, args)


@pytest.mark.parametrize("nombre", _casos(LECTURAS_PROPIAS))
def test_lectura_propia_rechazada_a_la_division(esc, nombre):
    args = LECTURAS_PROPIAS[nombre](esc)
    for quien in (esc.analista, esc.admin, None):
        _rechazada(esc, nombre, quien, args)
    _permitida(esc, nombre, esc.dueno, args)


@pytest.mark.parametrize("nombre", _casos(PROPIAS_DE_LA_CUENTA))
def test_accion_sobre_la_propia_cuenta_pide_sesion(esc, nombre):
    _rechazada(esc, nombre, None, PROPIAS_DE_LA_CUENTA[nombre](esc))


@pytest.mark.parametrize("nombre", _casos(LECTURAS_OOAD))
def test_lectura_de_otra_ooad_rechazada(esc, nombre):
    args = LECTURAS_OOAD[nombre](esc)
    _rechazada(esc, nombre, esc.intruso, args, LISTAR_AJENAS.get(nombre))
    _rechazada(esc, nombre, None, args, LISTAR_AJENAS.get(nombre))
    if nombre != "solicitudes.listar":  # the owner reads its own (lines, reports, uploads)
        _permitida(esc, nombre, esc.dueno, args)


@pytest.mark.parametrize("nombre", _casos(DIVISION))
def test_lectura_de_la_division_rechazada_a_capturistas(esc, nombre):
    args = DIVISION[nombre](esc)
    _rechazada(esc, nombre, esc.dueno, args)
    _rechazada(esc, nombre, esc.intruso, args)
    _rechazada(esc, nombre, None, args)
    _permitida(esc, nombre, esc.analista, args)


@pytest.mark.parametrize("nombre", _casos(ADMIN))
def test_administracion_rechazada_a_analista_y_capturistas(esc, nombre):
    args = ADMIN[nombre](esc)
    _rechazada(esc, nombre, esc.analista, args)
    _rechazada(esc, nombre, esc.dueno, args)
    _rechazada(esc, nombre, esc.intruso, args)
    _rechazada(esc, nombre, None, args)
