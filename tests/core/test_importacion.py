"""Catalog import: preview before writing, file/row/column errors, retire never delete, audited."""

from __future__ import annotations

import csv
import io
import json

import pytest
from openpyxl import Workbook

from core.admin import importacion
from core.base.errors import AccesoDenegado, CatalogoCambiado, ErrorDominio, ImportacionInvalida
from core.capture import captura
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo
from tests.conftest import ANIO, CATALOGO_MINI

P = "Persona de prueba"
PRODUCTOS = (CATALOGO_MINI / "productos.csv").read_text(encoding="utf-8")
UNIDADES = (CATALOGO_MINI / "unidades.csv").read_text(encoding="utf-8")
ENCABEZADO_UNIDADES = UNIDADES.splitlines()[0]
ENCABEZADO_PRODUCTOS = PRODUCTOS.splitlines()[0]


def _sin(texto: str, clave: str) -> str:
    return "\n".join(linea for linea in texto.splitlines() if not linea.startswith(clave + ",")) + "\n"


def _estado(store):
    """Everything an import may touch: refused files must leave it exactly as it was."""
    return (
        store.filas("SELECT * FROM producto ORDER BY clave"),
        store.filas("SELECT * FROM unidad ORDER BY clave"),
        store.valor("SELECT count(*) FROM auditoria"),
    )


def _previa(store, cuenta, tipo, texto, nombre=None, **kw):
    datos = texto.encode("utf-8") if isinstance(texto, str) else texto
    return importacion.vista_previa(store, cuenta("admin"), tipo, nombre or f"{tipo}.csv", datos, **kw)


# -- permissions ---------------------------------------------------------------------------------


@pytest.mark.parametrize("usuario", ["chihuahua", "analista"])
def test_solo_admin_importa(store, cuenta, usuario):
    antes = _estado(store)
    with pytest.raises(AccesoDenegado):
        importacion.vista_previa(store, cuenta(usuario), "productos", "p.csv", PRODUCTOS.encode())
    vista = _previa(
        store, cuenta, "productos", PRODUCTOS + "99.01,LAB,Prueba nueva de laboratorio,Ambulatorio,false,\n"
    )
    with pytest.raises(AccesoDenegado):
        importacion.aplicar(store, cuenta(usuario), vista)
    with pytest.raises(AccesoDenegado):
        importacion.vista_previa(store, None, "productos", "p.csv", PRODUCTOS.encode())
    assert _estado(store) == antes


# -- bad files: refused with file, row and column, nothing written --------------------------------

_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(40)

MALOS = [
    (
        "sin columna",
        "productos",
        "mis_productos.csv",
        ENCABEZADO_PRODUCTOS.replace(",nombre", ",descripcion")
        + "\n47.01,CIR-GEN,Apendicectomía,Hospitalario,false,\n",
        ["mis_productos.csv: falta la columna 'nombre'"],
    ),
    (
        "clave mala",
        "productos",
        "p.csv",
        PRODUCTOS + "47 99,CIR-GEN,Otra cosa,Hospitalario,false,\n",
        ["p.csv, fila 13, columna 'clave': la clave '47 99' no es válida"],
    ),
    (
        "especialidad desconocida",
        "productos",
        "p.csv",
        PRODUCTOS + "47.99,CIR-XXX,Otra cosa,Hospitalario,false,\n",
        ["p.csv, fila 13, columna 'especialidad': la especialidad 'CIR-XXX' no existe"],
    ),
    (
        "ámbito malo",
        "productos",
        "p.csv",
        PRODUCTOS + "47.99,CIR-GEN,Otra cosa,Quirófano,false,\n",
        ["p.csv, fila 13, columna 'ambito_default'"],
    ),
    (
        "clave repetida",
        "productos",
        "p.csv",
        PRODUCTOS + "47.01,CIR-GEN,Otra cosa,Hospitalario,false,\n",
        ["p.csv, fila 13, columna 'clave': la clave '47.01' está repetida (ya aparece en la fila 2)"],
    ),
    (
        "ooad desconocida",
        "unidades",
        "u.csv",
        UNIDADES + 'IL-XX-0001,narnia,UMF,"UMF 1, Narnia",08,08037,Juárez,Juárez,31.7,-106.4,true\n',
        ["u.csv, fila 9, columna 'ooad': la OOAD/UMAE 'narnia' no existe"],
    ),
    (
        "coordenada no numérica",
        "unidades",
        "u.csv",
        UNIDADES + 'IL-CH-0009,chihuahua,UMF,"UMF 9, Juárez",08,08037,Juárez,Juárez,treinta,-106.4,true\n',
        ["u.csv, fila 9, columna 'lat': 'lat' debe ser un número"],
    ),
    (
        "estado de otra ooad",
        "unidades",
        "u.csv",
        UNIDADES + 'IL-CH-0009,chihuahua,UMF,"UMF 9, Cancún",23,23005,Benito Juárez,Cancún,21.1,-86.8,true\n',
        ["u.csv, fila 9, columna 'cve_ent': la unidad está en el estado '23' pero la OOAD/UMAE 'chihuahua'"],
    ),
    (
        "tipo de unidad malo",
        "unidades",
        "u.csv",
        UNIDADES + 'IL-CH-0009,chihuahua,umf 9,"UMF 9, Juárez",08,08037,Juárez,Juárez,31.7,-106.4,true\n',
        ["u.csv, fila 9, columna 'tipo_unidad'"],
    ),
    ("vacío", "unidades", "u.csv", b"", ["u.csv: el archivo está vacío"]),
    ("solo encabezado", "unidades", "u.csv", ENCABEZADO_UNIDADES + "\n", ["u.csv: no tiene filas de datos"]),
    (
        "imagen renombrada",
        "unidades",
        "unidades.csv",
        _PNG,
        ["unidades.csv: no es un CSV ni un libro de Excel", "una imagen PNG"],
    ),
    ("imagen renombrada a xlsx", "productos", "productos.xlsx", _PNG, ["productos.xlsx: no es un CSV", "imagen PNG"]),
    ("no UTF-8", "productos", "p.csv", PRODUCTOS.encode("cp1252"), ["p.csv: no está codificado en UTF-8"]),
    ("zip que no es Excel", "productos", "p.xlsx", b"PK\x03\x04" + bytes(60), ["p.xlsx: no es un libro de Excel"]),
]


@pytest.mark.parametrize("tipo, nombre, contenido, esperados", [m[1:] for m in MALOS], ids=[m[0] for m in MALOS])
def test_archivo_malo_se_rechaza_sin_escribir_nada(store, cuenta, tipo, nombre, contenido, esperados):
    antes = _estado(store)
    with pytest.raises(ImportacionInvalida) as exc:
        _previa(store, cuenta, tipo, contenido, nombre)
    mensaje = str(exc.value)
    assert mensaje.startswith(f"No se importó nada: el archivo «{nombre}»")
    for esperado in esperados:
        assert esperado in mensaje, mensaje
    assert _estado(store) == antes


def test_todos_los_errores_de_un_archivo_a_la_vez(store, cuenta):
    texto = PRODUCTOS + "47 99,CIR-XXX,Otra,Quirófano,quizá,\n"
    with pytest.raises(ImportacionInvalida) as exc:
        _previa(store, cuenta, "productos", texto)
    columnas = {e.split("columna '")[1].split("'")[0] for e in exc.value.errores}
    assert columnas == {"clave", "especialidad", "ambito_default", "remoto"}
    assert all(e.startswith("productos.csv, fila 13, columna") for e in exc.value.errores)


def test_unidad_con_lineas_no_cambia_de_ooad(store, cuenta):
    ciclo.declarar(store, cuenta("chihuahua"), P, ANIO, "SI")
    captura.guardar(store, cuenta("chihuahua"), P, ANIO, "IL-CH-0004", [FilaCaptura("47.01", exc_pacientes=3)])
    movida = UNIDADES.replace("IL-CH-0004,chihuahua", "IL-CH-0004,quintana-roo").replace(
        '"UMF 13, Saucillo",08,08062,Saucillo,Saucillo,28.030000,-105.290000',
        '"UMF 13, Cozumel",23,23001,Cozumel,Cozumel,20.5,-86.9',
    )
    with pytest.raises(ImportacionInvalida) as exc:
        _previa(store, cuenta, "unidades", movida, "u.csv")
    assert "u.csv, fila 5, columna 'ooad': la unidad 'IL-CH-0004' tiene 1 línea(s) capturada(s)" in str(exc.value)


# -- preview and apply -----------------------------------------------------------------------------


def test_vista_previa_no_escribe_y_aplicar_agrega_cambia_y_retira(store, cuenta):
    ciclo.declarar(store, cuenta("chihuahua"), P, ANIO, "SI")
    captura.guardar(store, cuenta("chihuahua"), P, ANIO, "IL-CH-0001", [FilaCaptura("47.09", exc_pacientes=4)])
    # 47.09 (used by a line) and 53.00 (unused) are absent; 51.23 renamed; one product added.
    texto = _sin(_sin(PRODUCTOS, "47.09"), "53.00").replace(
        "Colecistectomía laparoscópica", "Colecistectomía por laparoscopia"
    )
    texto += "LAB-0004,LAB,Hemoglobina glucosilada (HbA1c).,Ambulatorio,false,curado\n"
    antes = _estado(store)
    vista = _previa(store, cuenta, "productos", texto)
    assert _estado(store) == antes
    assert [r["clave"] for r in vista.agregados] == ["LAB-0004"]
    assert [(c.clave, c.campos) for c in vista.cambiados] == [
        ("51.23", {"nombre": ("Colecistectomía laparoscópica", "Colecistectomía por laparoscopia")})
    ]
    assert [(r.clave, r.lineas) for r in vista.retirados] == [("47.09", 1), ("53.00", 0)]
    assert vista.sin_cambio == 8
    assert vista.tabla_cambios().to_dict("records") == [
        {
            "clave": "51.23",
            "nombre": "Colecistectomía por laparoscopia",
            "campo": "nombre",
            "antes": "Colecistectomía laparoscópica",
            "despues": "Colecistectomía por laparoscopia",
        }
    ]
    assert "Se agregarían 1, se modificarían 1 y se retirarían 2; 8 quedan igual" in vista.resumen()

    res = importacion.aplicar(store, cuenta("admin"), vista)
    assert (res.agregados, res.modificados, res.retirados) == (1, 1, 2)
    # Retired, never deleted: both rows are still there, inactive; the line still resolves its name.
    assert store.filas("SELECT clave, activo FROM producto WHERE clave IN ('47.09', '53.00') ORDER BY clave") == [
        ("47.09", False),
        ("53.00", False),
    ]
    lineas = captura.lineas_unidad(store, cuenta("chihuahua"), ANIO, "IL-CH-0001")
    assert lineas[["producto", "producto_nombre"]].values.tolist() == [["47.09", "Otra apendicectomía"]]
    # Retired products leave Paso 6's lists; the added one appears in its search, by name or code.
    assert "47.09" not in captura.productos(store, "CIR-GEN")["clave"].tolist()
    assert captura.productos(store, "LAB", "hemoglobina glucosilada")["clave"].tolist() == ["LAB-0004"]
    assert captura.productos(store, "CIR-GEN", "colecistectomia por")["clave"].tolist() == ["51.23"]
    # Audited: a summary and one row per item, with before and after.
    filas = store.filas(
        "SELECT accion, objeto, cuenta, antes, despues FROM auditoria WHERE accion LIKE '%producto%' ORDER BY id"
    )
    assert [(a, o) for a, o, *_ in filas] == [
        ("catálogo de productos importado", "productos.csv"),
        ("producto agregado", "LAB-0004"),
        ("producto modificado", "51.23"),
        ("producto retirado", "47.09"),
        ("producto retirado", "53.00"),
    ]
    assert all(c == "admin" for _, _, c, *_ in filas)
    resumen = json.loads(filas[0][4])
    assert (resumen["agregados"], resumen["modificados"], resumen["retirados"]) == (1, 1, 2)
    assert json.loads(filas[2][3]) == {"nombre": "Colecistectomía laparoscópica"}
    assert json.loads(filas[2][4]) == {"nombre": "Colecistectomía por laparoscopia"}
    assert json.loads(filas[3][3]) == {"activo": True, "lineas": 1} and json.loads(filas[3][4]) == {"activo": False}
    # The same file again changes nothing.
    otra = _previa(store, cuenta, "productos", texto)
    assert not otra.hay_cambios
    with pytest.raises(ErrorDominio, match="No hay cambios"):
        importacion.aplicar(store, cuenta("admin"), otra)


def test_un_retirado_que_vuelve_se_reactiva(store, cuenta):
    importacion.aplicar(store, cuenta("admin"), _previa(store, cuenta, "productos", _sin(PRODUCTOS, "53.00")))
    vista = _previa(store, cuenta, "productos", PRODUCTOS)
    assert [(c.clave, c.campos) for c in vista.cambiados] == [("53.00", {"activo": (False, True)})]
    importacion.aplicar(store, cuenta("admin"), vista)
    assert store.valor("SELECT activo FROM producto WHERE clave = '53.00'") is True


def test_sin_retirar_ausentes_solo_agrega_y_actualiza(store, cuenta):
    texto = (
        ENCABEZADO_UNIDADES
        + '\nIL-CH-0009,chihuahua,UMAA,"UMAA 1, Chihuahua",08,08019,Chihuahua,Chihuahua,28.63,-106.07,false\n'
    )
    vista = _previa(store, cuenta, "unidades", texto, retirar_ausentes=False)
    assert len(vista.agregados) == 1 and not vista.retirados
    importacion.aplicar(store, cuenta("admin"), vista)
    assert store.valor("SELECT count(*) FROM unidad WHERE activa") == 8
    assert captura.unidades(store, cuenta("chihuahua"), ANIO, "chihuahua", "umaa")["clave"].tolist() == ["IL-CH-0009"]
    # With retirement on, the same file retires every other unit (and the preview says so first).
    todas = _previa(store, cuenta, "unidades", texto)
    assert len(todas.retirados) == 7 and not todas.agregados


def test_unidades_cambiadas_auditan_antes_y_despues_con_su_ooad(store, cuenta):
    texto = UNIDADES.replace("31.690363,-106.424547", "31.700000,-106.424547").replace(',UMF,"UMF 11', ',UMAA,"UMF 11')
    vista = _previa(store, cuenta, "unidades", texto)
    assert {c.clave: c.campos for c in vista.cambiados} == {
        "IL-CH-0001": {"lat": (31.690363, 31.7)},
        "IL-QR-0001": {"tipo_unidad": ("UMF", "UMAA")},
    }
    importacion.aplicar(store, cuenta("admin"), vista)
    assert store.valor("SELECT lat FROM unidad WHERE clave = 'IL-CH-0001'") == 31.7
    fila = store.fila(
        "SELECT ooad, unidad, antes, despues FROM auditoria WHERE accion = 'unidad modificada'"
        " AND objeto = 'IL-QR-0001'"
    )
    assert fila[:2] == ("quintana-roo", "IL-QR-0001")
    assert json.loads(fila[2]) == {"tipo_unidad": "UMF"} and json.loads(fila[3]) == {"tipo_unidad": "UMAA"}


def test_vista_previa_vieja_no_se_aplica(store, cuenta):
    vista = _previa(store, cuenta, "productos", _sin(PRODUCTOS, "53.00"))
    importacion.aplicar(store, cuenta("admin"), _previa(store, cuenta, "productos", _sin(PRODUCTOS, "47.01")))
    antes = _estado(store)
    with pytest.raises(CatalogoCambiado, match="cambió desde la vista previa"):
        importacion.aplicar(store, cuenta("admin"), vista)
    assert _estado(store) == antes


def _xlsx(filas: list[list], hoja: str = "productos") -> bytes:
    libro = Workbook()
    ws = libro.active
    ws.title = hoja
    for fila in filas:
        ws.append(fila)
    buf = io.BytesIO()
    libro.save(buf)
    return buf.getvalue()


def test_excel_se_lee_con_ceros_de_estado_y_rechaza_claves_numericas(store, cuenta):
    encabezado = ENCABEZADO_UNIDADES.split(",")
    filas = [encabezado] + [
        [
            "IL-CH-0009",
            "chihuahua",
            "UMAA",
            "UMAA 1, Chihuahua",
            8,
            8019,
            "Chihuahua",
            "Chihuahua",
            28.63,
            -106.07,
            False,
        ]
    ]
    vista = _previa(store, cuenta, "unidades", _xlsx(filas, "unidades"), "unidades.xlsx", retirar_ausentes=False)
    assert vista.agregados[0]["cve_ent"] == "08" and vista.agregados[0]["cve_mun"] == "08019"
    assert vista.agregados[0]["lat"] == 28.63 and vista.agregados[0]["ilustrativa"] is False
    productos = [ENCABEZADO_PRODUCTOS.split(","), [47.1, "CIR-GEN", "Apendicectomía", "Hospitalario", False, None]]
    with pytest.raises(ImportacionInvalida) as exc:
        _previa(store, cuenta, "productos", _xlsx(productos), "productos.xlsx")
    assert "productos.xlsx (hoja «productos»), fila 2, columna 'clave': la clave 47.1 está guardada como número" in str(
        exc.value
    )


def test_csv_con_punto_y_coma_y_columnas_extra(store, cuenta):
    # Excel in Spanish locales separates with ';' (names with commas stay quoted).
    buf = io.StringIO()
    escritor = csv.writer(buf, delimiter=";")
    for i, fila in enumerate(csv.reader(io.StringIO(PRODUCTOS))):
        escritor.writerow([*fila, "notas" if i == 0 else "sin notas"])
    vista = _previa(store, cuenta, "productos", buf.getvalue())
    assert vista.avisos == ("Se ignoró la columna 'notas', que no forma parte del catálogo de productos.",)
    assert not vista.hay_cambios and vista.sin_cambio == 11


def test_progreso_avanza_hasta_el_final(store, cuenta):
    filas = "".join(
        f"LAB-{n:04d},LAB,Prueba de laboratorio número {n},Ambulatorio,false,curado\n" for n in range(10, 1200)
    )
    avances: list[float] = []
    vista = _previa(store, cuenta, "productos", PRODUCTOS + filas, progreso=lambda f, _m: avances.append(f))
    assert len(vista.agregados) == 1190
    assert avances == sorted(avances) and avances[-1] == 1.0 and len(avances) > 5
    pasos: list[float] = []
    importacion.aplicar(store, cuenta("admin"), vista, progreso=lambda f, _m: pasos.append(f))
    assert pasos == sorted(pasos) and pasos[-1] == 1.0 and len(pasos) > 3
    assert store.valor("SELECT count(*) FROM auditoria WHERE accion = 'producto agregado'") == 1190


@pytest.mark.parametrize("tipo", ["unidades", "productos"])
def test_el_catalogo_descargado_se_vuelve_a_subir_sin_cambios(store, cuenta, tipo):
    with pytest.raises(AccesoDenegado):
        importacion.catalogo_csv(store, cuenta("analista"), tipo)
    datos = importacion.catalogo_csv(store, cuenta("admin"), tipo)
    vista = _previa(store, cuenta, tipo, datos)
    assert not vista.hay_cambios and vista.sin_cambio == len(vista.registros) > 0
