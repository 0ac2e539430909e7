"""Product requests: an OOAD/UMAE files them for itself; only an admin accepts or declines; audited."""

from __future__ import annotations

import json

import pytest

from core.admin import solicitudes
from core.base.errors import AccesoDenegado, NoEncontrado, SolicitudInvalida, TransicionInvalida
from core.capture import captura

P = "Ana Pérez (Jefa de Servicio)"
JUSTIFICACION = "Lo realizamos cada mes y no aparece en el listado del Paso 6."


def _solicitar(store, cuenta, usuario="chihuahua", ooad="chihuahua", **kw):
    datos = {
        "especialidad": "LAB",
        "nombre": "Hemoglobina glucosilada (HbA1c).",
        "justificacion": JUSTIFICACION,
        "ambito_default": "Ambulatorio",
    } | kw
    return solicitudes.solicitar_producto(store, cuenta(usuario), P, ooad, **datos)


def _estado(store):
    return (
        store.filas("SELECT * FROM solicitud_producto ORDER BY id"),
        store.filas("SELECT * FROM producto ORDER BY clave"),
        store.valor("SELECT count(*) FROM auditoria"),
    )


def test_capturista_solicita_y_ve_solo_las_suyas(store, cuenta):
    id_ = _solicitar(store, cuenta, unidad="IL-CH-0001")
    _solicitar(store, cuenta, "quintana-roo", "quintana-roo", nombre="Ferritina sérica.")
    propias = solicitudes.listar(store, cuenta("chihuahua"))
    assert propias[["id", "nombre", "estado", "unidad_nombre"]].values.tolist() == [
        [id_, "Hemoglobina glucosilada (HbA1c).", "pendiente", "HGZ 6, Ciudad Juárez"]
    ]
    with pytest.raises(AccesoDenegado):
        solicitudes.listar(store, cuenta("chihuahua"), ooad="quintana-roo")
    assert len(solicitudes.listar(store, cuenta("analista"))) == 2
    assert solicitudes.listar(store, cuenta("admin"), estado="pendiente")["ooad"].tolist() == [
        "quintana-roo",
        "chihuahua",
    ]
    fila = store.fila(
        "SELECT cuenta, persona, ooad, unidad, accion, despues FROM auditoria WHERE objeto = ?", [f"solicitud {id_}"]
    )
    assert fila[:5] == ("chihuahua", P, "chihuahua", "IL-CH-0001", "producto solicitado")
    assert json.loads(fila[5])["justificacion"] == JUSTIFICACION


@pytest.mark.parametrize(
    "usuario, ooad",
    [
        ("chihuahua", "quintana-roo"),  # another OOAD/UMAE
        ("analista", "chihuahua"),
        ("admin", "chihuahua"),
    ],
)
def test_no_se_solicita_por_otra_ooad(store, cuenta, usuario, ooad):
    antes = _estado(store)
    with pytest.raises(AccesoDenegado):
        _solicitar(store, cuenta, usuario, ooad)
    assert _estado(store) == antes


@pytest.mark.parametrize(
    "cambios, mensaje",
    [
        ({"nombre": "Hb"}, "entre 5 y 300 caracteres"),
        ({"justificacion": "porque sí"}, "Explique por qué"),
        ({"ambito_default": "Quirófano"}, "Ambulatorio u Hospitalario"),
        ({"nombre": "procalcitonina (PCT)."}, "ya está en el catálogo con la clave LAB-0001"),
        ({"unidad": "IL-QR-0001"}, "no pertenece a su OOAD/UMAE"),
    ],
)
def test_solicitud_mala_no_se_guarda(store, cuenta, cambios, mensaje):
    antes = _estado(store)
    with pytest.raises(SolicitudInvalida, match=mensaje.replace("(", r"\(")):
        _solicitar(store, cuenta, **cambios)
    assert _estado(store) == antes


def test_especialidad_desconocida_y_solicitud_repetida(store, cuenta):
    with pytest.raises(NoEncontrado):
        _solicitar(store, cuenta, especialidad="NO-EXISTE")
    id_ = _solicitar(store, cuenta)
    with pytest.raises(SolicitudInvalida, match=f"solicitud {id_}"):
        _solicitar(store, cuenta, nombre="HEMOGLOBINA glucosilada (hba1c).")


@pytest.mark.parametrize("usuario", ["chihuahua", "analista"])
def test_solo_admin_decide(store, cuenta, usuario):
    id_ = _solicitar(store, cuenta)
    antes = _estado(store)
    with pytest.raises(AccesoDenegado):
        solicitudes.aceptar(store, cuenta(usuario), id_)
    with pytest.raises(AccesoDenegado):
        solicitudes.rechazar(store, cuenta(usuario), id_, "No procede por ahora.")
    assert _estado(store) == antes


def test_aceptar_crea_el_producto_con_clave_nueva_y_aparece_en_paso6(store, cuenta):
    id_ = _solicitar(store, cuenta)
    assert solicitudes.siguiente_clave(store, "LAB") == "LAB-0004"  # LAB-0001..0003 exist
    clave = solicitudes.aceptar(store, cuenta("admin"), id_, respuesta="Agregado al catálogo.")
    assert clave == "LAB-0004"
    assert store.fila(
        "SELECT especialidad, nombre, ambito_default, origen, activo FROM producto WHERE clave = ?", [clave]
    ) == ("LAB", "Hemoglobina glucosilada (HbA1c).", "Ambulatorio", "solicitud", True)
    assert captura.productos(store, "LAB", "hemoglobina")["clave"].tolist() == ["LAB-0004"]
    vista = solicitudes.listar(store, cuenta("chihuahua")).iloc[0]
    assert (vista["estado"], vista["producto"], vista["respuesta"], vista["decidida_por"]) == (
        "aceptada",
        "LAB-0004",
        "Agregado al catálogo.",
        "admin",
    )
    acciones = store.filas("SELECT accion, objeto FROM auditoria WHERE cuenta = 'admin' ORDER BY id")
    assert acciones[-2:] == [("producto agregado", "LAB-0004"), ("solicitud de producto aceptada", f"solicitud {id_}")]
    with pytest.raises(TransicionInvalida, match="ya fue aceptada"):
        solicitudes.rechazar(store, cuenta("admin"), id_, "Ya no se necesita.")


def test_aceptar_con_clave_y_nombre_corregidos(store, cuenta):
    id_ = _solicitar(
        store, cuenta, especialidad="CIR-GEN", nombre="Apendicectomia robótica", ambito_default="Hospitalario"
    )
    with pytest.raises(SolicitudInvalida, match="La clave 47.01 ya existe"):
        solicitudes.aceptar(store, cuenta("admin"), id_, clave="47.01")
    with pytest.raises(SolicitudInvalida, match="no es válida"):
        solicitudes.aceptar(store, cuenta("admin"), id_, clave="47 01")
    clave = solicitudes.aceptar(store, cuenta("admin"), id_, clave="47.03", nombre="Apendicectomía asistida por robot")
    assert store.fila("SELECT nombre, especialidad FROM producto WHERE clave = ?", [clave]) == (
        "Apendicectomía asistida por robot",
        "CIR-GEN",
    )
    assert solicitudes.siguiente_clave(store, "CIR-GEN") == "CIR-0001"


def test_rechazar_con_motivo(store, cuenta):
    id_ = _solicitar(store, cuenta)
    with pytest.raises(SolicitudInvalida, match="motivo"):
        solicitudes.rechazar(store, cuenta("admin"), id_, "no")
    productos = store.valor("SELECT count(*) FROM producto")
    solicitudes.rechazar(store, cuenta("admin"), id_, "Ya existe como LAB-0002; búsquelo por «sodio».")
    assert store.valor("SELECT count(*) FROM producto") == productos
    vista = solicitudes.listar(store, cuenta("chihuahua")).iloc[0]
    assert (vista["estado"], vista["respuesta"]) == ("rechazada", "Ya existe como LAB-0002; búsquelo por «sodio».")
    fila = store.fila("SELECT antes, despues FROM auditoria WHERE accion = 'solicitud de producto rechazada'")
    assert json.loads(fila[0])["estado"] == "pendiente" and json.loads(fila[1])["estado"] == "rechazada"
    with pytest.raises(TransicionInvalida):
        solicitudes.aceptar(store, cuenta("admin"), id_)
    with pytest.raises(NoEncontrado):
        solicitudes.aceptar(store, cuenta("admin"), 999)
