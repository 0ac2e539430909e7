"""What is typed is what core judges: quantities read strictly, free text without hidden characters.

Every refused value must come back as a Spanish message naming the field (and the product, for
quantities) and leave the store exactly as it was.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.accounts import cuentas
from core.admin import importacion, solicitudes
from core.base.errors import CantidadInvalida, CapturaInvalida, ErrorDominio, ImportacionInvalida
from core.base.texto import exigir_texto, revisar_texto
from core.capture import captura, rejilla, reportes
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, reaperturas, recepcion
from tests.conftest import ANIO, CATALOGO_MINI, HOY

P = "Persona de prueba (Jefa de servicio)"
HGZ6 = "IL-CH-0001"
REGLA = "solo dígitos (0-9)"
MAXIMO = "excede el máximo"
MINIMO = "al menos 1"


@pytest.fixture
def chihuahua(store, cuenta):
    c = cuenta("chihuahua")
    ciclo.declarar(store, c, P, ANIO, "SI")
    return c


def _estado(store):
    """Everything a save may touch: a refused one must leave it exactly as it was."""
    return (store.filas("SELECT * FROM linea ORDER BY unidad, producto"), store.valor("SELECT count(*) FROM auditoria"))


# -- quantities: the typed table -------------------------------------------------------------------
RECHAZADAS = [
    ("１２", REGLA),  # fullwidth digits
    ("٣", REGLA),  # Arabic-Indic digit (str.isdigit() says yes)
    ("²", REGLA),  # superscript two (str.isdigit() says yes)
    ("+5", REGLA),
    ("-1", REGLA),
    ("2.989", REGLA),  # a decimal point, even where it would mean thousands
    ("1.5", REGLA),
    ("1,5", REGLA),  # was read as 15
    ("1,0,0", REGLA),  # was read as 100
    ("1,00", REGLA),
    ("1,0000", REGLA),
    (",100", REGLA),
    ("100,", REGLA),
    ("1,,000", REGLA),
    ("1e3", REGLA),  # was read as 1000
    ("1_000", REGLA),  # Python's int() reads it as 1000
    ("0x10", REGLA),
    (" 1 2 ", REGLA),
    ("1 000", REGLA),
    ("1\u00a0000", REGLA),  # NBSP inside
    ("\u00a012", REGLA),  # NBSP around: only plain spaces are trimmed
    ("\t12", REGLA),
    ("12\n", REGLA),
    ("1'000", REGLA),
    ("abc", REGLA),
    ("inf", REGLA),
    ("NaN", REGLA),
    ("12\x00", REGLA),
    ("0", MINIMO),
    ("000", MINIMO),
    ("100,001", MAXIMO),
    ("1,000,000", MAXIMO),
    ("12345678901234567890", MAXIMO),  # a number column stored it as 100,000
    ("9" * 5000, MAXIMO),  # beyond the digits Python's int() converts
]
ACEPTADAS = [
    ("2,989", 2989),
    ("2989", 2989),
    ("  2,989  ", 2989),
    ("1", 1),
    ("007", 7),  # leading zeros: base 10, the only reading there is
    ("1,000", 1000),
    ("99,999", 99_999),
    ("100,000", 100_000),
    ("100000", 100_000),
]


def test_la_tabla_tiene_al_menos_25_textos():
    assert len(RECHAZADAS) + len(ACEPTADAS) >= 25


@pytest.mark.parametrize("tecleado, motivo", RECHAZADAS, ids=[repr(t)[:20] for t, _ in RECHAZADAS])
def test_cantidad_mal_escrita_se_rechaza_y_no_se_guarda_nada(store, chihuahua, tecleado, motivo):
    antes = _estado(store)
    with pytest.raises(CapturaInvalida) as exc:
        captura.guardar(
            store,
            chihuahua,
            P,
            ANIO,
            HGZ6,
            [
                FilaCaptura("51.23", exc_pacientes=3),  # a good row in the same save is not kept either
                FilaCaptura("47.01", fal_causa="Falta de Equipo", fal_pacientes=tecleado),
            ],
        )
    [error] = exc.value.errores
    assert error.startswith("Producto 47.01 «") and "Faltante – pacientes mensuales" in error
    assert motivo in error
    assert "\x00" not in error and "\u00a0" not in error  # echoed text shows hidden characters as U+XXXX
    assert _estado(store) == antes


@pytest.mark.parametrize("tecleado, valor", ACEPTADAS)
def test_cantidad_bien_escrita_se_guarda_tal_cual(store, chihuahua, tecleado, valor):
    captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=tecleado)])
    assert store.valor("SELECT pacientes FROM linea WHERE producto = '47.01'") == valor


@pytest.mark.parametrize("valor, esperado", [(3, 3), (np.int64(3), 3), (3.0, 3), (np.float64(12.0), 12)])
def test_numeros_de_python_enteros_se_aceptan(valor, esperado):
    # Ints, and floats that are exactly whole (pandas gives 3.0 in a numeric column with gaps).
    assert captura.leer_cantidad(valor) == esperado


@pytest.mark.parametrize(
    "valor, motivo",
    [
        (1.5, "sin decimales"),
        (np.float64(2.25), "sin decimales"),
        (float("inf"), "no es un número válido"),
        (True, "número entero"),
        (False, "número entero"),
        (b"12", "no es un número"),
        ([12], "no es un número"),
    ],
)
def test_numeros_de_python_no_enteros_se_rechazan(valor, motivo):
    with pytest.raises(CantidadInvalida, match=motivo):
        captura.leer_cantidad(valor)


# -- the grid model with text values ---------------------------------------------------------------
def test_rejilla_muestra_lo_guardado_con_comas_y_lo_tecleado_igual_no_es_cambio(store, chihuahua):
    captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=2989, exc_eventos=3000)])
    lineas = captura.lineas_unidad(store, chihuahua, ANIO, HGZ6)
    base = rejilla.base(store, chihuahua, ANIO, HGZ6, "CIR-GEN")
    assert base.loc["47.01", "exc_pacientes"] == "2,989" and base.loc["47.01", "exc_eventos"] == "3,000"
    pend: dict = {}
    rejilla.fusionar(pend, base, {"filas": {"47.01": {"exc_pacientes": "2989", "exc_eventos": " 3,000 "}}})
    assert rejilla.cambios(pend, lineas) == []


def test_rejilla_texto_invalido_es_un_cambio_que_core_rechaza(store, chihuahua):
    captura.guardar(store, chihuahua, P, ANIO, HGZ6, [FilaCaptura("47.01", exc_pacientes=2989)])
    lineas = captura.lineas_unidad(store, chihuahua, ANIO, HGZ6)
    base = rejilla.base(store, chihuahua, ANIO, HGZ6, "CIR-GEN")
    pend: dict = {}
    rejilla.fusionar(pend, base, {"filas": {"47.01": {"exc_pacientes": "abc"}}})
    filas = rejilla.cambios(pend, lineas)
    assert [(f.producto, f.exc_pacientes) for f in filas] == [("47.01", "abc")]
    assert rejilla.superponer(base, pend).loc["47.01", "exc_pacientes"] == "abc"  # shown as typed
    antes = _estado(store)
    with pytest.raises(CapturaInvalida, match="«abc» no es un número válido"):
        captura.guardar(store, chihuahua, P, ANIO, HGZ6, filas)
    assert _estado(store) == antes


# -- free text: one rule for hidden characters and length ------------------------------------------
PROHIBIDOS = [
    "\x00",
    "\x07",
    "\x1b",
    "\x1c",
    "\x1f",
    "\x7f",
    "\x85",
    "\u2028",
    "\u2029",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
]


@pytest.mark.parametrize("c", PROHIBIDOS, ids=[f"U+{ord(c):04X}" for c in PROHIBIDOS])
@pytest.mark.parametrize("varias_lineas", [False, True])
def test_caracteres_de_control_e_invisibles_se_rechazan(c, varias_lineas):
    with pytest.raises(ErrorDominio, match=rf"^Cargo: contiene .*U\+{ord(c):04X}, posición 4"):
        exigir_texto(f"Jef{c}a", "Cargo", 120, varias_lineas=varias_lineas)


@pytest.mark.parametrize("c", ["\n", "\r", "\t"])
def test_saltos_de_linea_solo_en_textos_de_varias_lineas(c):
    assert revisar_texto(f"uno{c}dos", "Motivo", 100, varias_lineas=True) is None
    assert "U+" in revisar_texto(f"uno{c}dos", "Nombre", 100)


def test_texto_normal_pasa_sin_cambios_salvo_espacios_alrededor():
    texto = "Ñandú Pérez-López «Jefa» – Servicio № 3 ✓ 😀 a\u00a0b"
    assert exigir_texto(f"  {texto}  ", "Nombre", 120) == texto
    assert exigir_texto(None, "Nombre", 120) == ""
    assert exigir_texto("x" * 120, "Nombre", 120) == "x" * 120
    with pytest.raises(ErrorDominio, match=r"^Nombre: admite hasta 120 caracteres \(tiene 121\)"):
        exigir_texto("x" * 121, "Nombre", 120)
    with pytest.raises(ErrorDominio, match="se esperaba un texto"):
        exigir_texto(12, "Nombre", 120)


# -- each free-text field, through its core function -------------------------------------------------
def test_firmantes(store, cuenta):
    c = cuenta("chihuahua")
    for lista, campo in [
        ([("Ana\x00 López", "Directora")], "Firmante 1, nombre"),
        ([("Ana López", "Directora"), ("Luis", "Jefe\u202e")], "Firmante 2, cargo"),
        ([("A" * 121, "Directora")], "Firmante 1, nombre: admite hasta 120"),
    ]:
        with pytest.raises(ErrorDominio, match=campo):
            reportes.guardar_firmantes(store, c, P, ANIO, lista)
    assert reportes.firmantes(store, c, ANIO, "chihuahua") == []
    reportes.guardar_firmantes(store, c, P, ANIO, [(" Ana López ", "Directora")])
    assert [(f.nombre, f.cargo) for f in reportes.firmantes(store, c, ANIO, "chihuahua")] == [
        ("Ana López", "Directora")
    ]


def _solicitar(store, cuenta, **kw):
    datos = {
        "especialidad": "LAB",
        "nombre": "Hemoglobina glucosilada (HbA1c).",
        "justificacion": "Lo realizamos cada mes y no aparece en el listado.",
        "ambito_default": "Ambulatorio",
    } | kw
    return solicitudes.solicitar_producto(store, cuenta("chihuahua"), P, "chihuahua", **datos)


@pytest.mark.parametrize(
    "kw, campo",
    [
        ({"nombre": "Hemoglobina\x00 glucosilada"}, "Nombre del producto"),
        ({"nombre": "Hemoglobina\u2028glucosilada"}, "Nombre del producto"),
        ({"nombre": "Hemoglobina\x1fglucosilada"}, "Nombre del producto"),  # str.split() would eat U+001F
        ({"justificacion": "Lo realizamos \u202ecada mes, no aparece."}, "Justificación"),
    ],
)
def test_solicitud_de_producto_con_caracteres_ocultos(store, cuenta, kw, campo):
    with pytest.raises(ErrorDominio, match=f"^{campo}: contiene"):
        _solicitar(store, cuenta, **kw)
    assert store.valor("SELECT count(*) FROM solicitud_producto") == 0


def test_solicitud_de_producto_justificacion_de_varias_lineas(store, cuenta):
    _solicitar(store, cuenta, justificacion="Lo realizamos cada mes.\nNo aparece en el listado.")
    assert store.valor("SELECT count(*) FROM solicitud_producto") == 1


def test_respuesta_a_una_solicitud_de_producto(store, cuenta):
    admin = cuenta("admin")
    id_ = _solicitar(store, cuenta)
    with pytest.raises(ErrorDominio, match="^Motivo del rechazo: contiene"):
        solicitudes.rechazar(store, admin, id_, "Ya existe\x00 en el catálogo con otra clave.")
    with pytest.raises(ErrorDominio, match="^Motivo del rechazo: admite hasta 1,000"):
        solicitudes.rechazar(store, admin, id_, "Ya existe. " * 100)
    with pytest.raises(ErrorDominio, match="^Nota para la OOAD/UMAE: contiene"):
        solicitudes.aceptar(store, admin, id_, respuesta="Agregado\u2066.")
    with pytest.raises(ErrorDominio, match="^Nota para la OOAD/UMAE: admite hasta 500"):
        solicitudes.aceptar(store, admin, id_, respuesta="n" * 501)
    with pytest.raises(ErrorDominio, match="^Nombre en el catálogo: contiene"):
        solicitudes.aceptar(store, admin, id_, nombre="Hemoglobina\x1b[31m glucosilada")
    assert store.valor("SELECT estado FROM solicitud_producto WHERE id = ?", [id_]) == "pendiente"


def test_recepcion_del_original(store, cuenta):
    admin = cuenta("admin")
    with pytest.raises(ErrorDominio, match=r"^Recibió \(nombre\): contiene"):
        recepcion.registrar(store, admin, ANIO, "chihuahua", HOY.date(), "Oficialía\x1fde partes")
    with pytest.raises(ErrorDominio, match="^Notas: contiene"):
        recepcion.registrar(store, admin, ANIO, "chihuahua", HOY.date(), "Oficialía de partes", "sobre\x00 roto")
    assert store.valor("SELECT count(*) FROM recepcion") == 0


@pytest.mark.parametrize(
    "nombre, cargo, mensaje",
    [
        ("Ana\x00 López", "", "^Nombre completo de quien captura: contiene"),
        ("\u202eAna López", "", "^Nombre completo de quien captura: contiene"),
        ("Ana López", "Jefa\x1b", "^Cargo: contiene"),
        ("A" * 121, "", "^Nombre completo de quien captura: admite hasta 120"),
        ("Ana López", "J" * 121, "^Cargo: admite hasta 120"),
        ("  Al ", "", "Escriba su nombre completo"),
    ],
)
def test_persona_que_captura_se_rechaza(nombre, cargo, mensaje):
    with pytest.raises(ErrorDominio, match=mensaje):
        cuentas.persona_de_sesion(nombre, cargo)


def test_persona_que_captura():
    assert cuentas.persona_de_sesion(" Ana López ", " Jefa de servicio ") == "Ana López (Jefa de servicio)"
    assert cuentas.persona_de_sesion("Ana López", "") == "Ana López"


def test_nombre_de_cuenta(store, cuenta):
    with pytest.raises(ErrorDominio, match="^Nombre de la cuenta: contiene"):
        cuentas.alta(store, cuenta("admin"), "nueva", "Ana\x1cLópez", "analista")
    with pytest.raises(ErrorDominio, match="^Nombre de la cuenta: contiene"):
        cuentas.crear(store, "otra", "Ana\u202eLópez", "analista", password="x" * 12)
    with pytest.raises(ErrorDominio, match="^Nombre de la cuenta: admite hasta 120"):
        cuentas.crear(store, "otra", "A" * 121, "analista", password="x" * 12)
    assert cuentas.obtener(store, "nueva") is None and cuentas.obtener(store, "otra") is None


@pytest.mark.parametrize(
    "nombre, mensaje",
    [
        ("Prueba\x1b nueva de laboratorio", "contiene un carácter de control o invisible (U+001B"),  # NUL: binary file
        ("Prueba\x1f nueva de laboratorio", "contiene un carácter de control o invisible (U+001F"),
        ("Prueba \u202enueva de laboratorio", "contiene un carácter de control o invisible (U+202E"),
        ("P" * 301, "admite hasta 300 caracteres"),
    ],
)
def test_celda_de_texto_del_catalogo(store, cuenta, nombre, mensaje):
    productos = (CATALOGO_MINI / "productos.csv").read_text(encoding="utf-8")
    datos = (productos + f'99.01,LAB,"{nombre}",Ambulatorio,false,\n').encode("utf-8")
    with pytest.raises(ImportacionInvalida) as exc:
        importacion.vista_previa(store, cuenta("admin"), "productos", "productos.csv", datos)
    texto = str(exc.value)
    assert "columna 'nombre'" in texto and mensaje in texto
    assert store.valor("SELECT count(*) FROM producto WHERE clave = '99.01'") == 0


def test_auditoria_guarda_el_nombre_tal_cual(store, cuenta):
    c = cuenta("chihuahua")
    persona = cuentas.persona_de_sesion("Ana López", "Jefa")
    reportes.guardar_firmantes(store, c, persona, ANIO, [("Ana López", "Directora")])
    fila = store.fila("SELECT persona, despues FROM auditoria WHERE accion = 'firmantes'")
    assert fila[0] == "Ana López (Jefa)" and json.loads(fila[1]) == [["Ana López", "Directora"]]


@pytest.mark.parametrize(
    "accion, campo",
    [
        (
            lambda s, c: reaperturas.solicitar(s, c("chihuahua"), P, ANIO, "Corregir \x00 la unidad HGZ 6."),
            "El motivo de la solicitud",
        ),
        (
            lambda s, c: reaperturas.solicitar(s, c("chihuahua"), P, ANIO, "Corregir\x1fla unidad HGZ 6."),
            "El motivo de la solicitud",
        ),  # split() would have made it a space
        (
            lambda s, c: reaperturas.conceder(s, c("admin"), 1, "Concedida \u202epara corregir."),
            "La razón de la respuesta",
        ),
        (
            lambda s, c: reaperturas.rechazar(s, c("admin"), 1, "Rechazada:\u2029ya se firmó."),
            "La razón de la respuesta",
        ),
        (
            lambda s, c: reaperturas.reabrir(s, c("admin"), ANIO, "chihuahua", "Reapertura\x07 por oficio 12."),
            "El motivo de la reapertura",
        ),
    ],
)
def test_motivos_de_reapertura_con_caracteres_ocultos(store, cuenta, accion, campo):
    antes = store.valor("SELECT count(*) FROM auditoria")
    with pytest.raises(ErrorDominio, match=f"^{campo}: contiene un carácter de control"):
        accion(store, cuenta)
    assert store.valor("SELECT count(*) FROM auditoria") == antes


def test_motivo_de_reapertura_de_varias_lineas_se_acepta():
    assert ciclo.limpiar_motivo("Corregir la unidad\nHGZ 6 por oficio.") == "Corregir la unidad HGZ 6 por oficio."


def test_el_readme_lista_los_limites_que_core_aplica():
    """The README's table of free-text limits says the numbers core enforces (and every one of them)."""
    import importlib
    import pkgutil
    import re
    from pathlib import Path

    import core

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    filas = re.findall(r"^\| [^|]+ \| [^|]+ \| ([\d,]+)[^|]* \| `(\w+)\.(\w+)` \|$", readme, re.M)
    assert len(filas) >= 11
    for numero, modulo, constante in filas:
        paquete = next(m.name for m in pkgutil.walk_packages(core.__path__, "core.") if m.name.endswith(f".{modulo}"))
        assert getattr(importlib.import_module(paquete), constante) == int(numero.replace(",", "")), constante
