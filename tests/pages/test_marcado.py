"""What people type is shown as typed: never as a link, bold text or an HTML tag.

Names of people, reasons, file names and catalog names reach st.markdown/caption/info/... through
`md` (ui/components/marcado.py); no page lets HTML through except the fixed legend listed below.
"""

from __future__ import annotations

import ast
import re
import string
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import instalacion
from core.accounts import cuentas
from core.lifecycle import ciclo, reaperturas
from tests.pages.conftest import abrir_app, boton, iniciar_sesion
from ui.components.marcado import md

RAIZ = Path(__file__).resolve().parents[2]
PELIGROSO = '<a href="x">y</a> **negrita** [link](http://x)'
ESCAPADO = '\\<a href="x"\\>y\\</a\\> \\*\\*negrita\\*\\* \\[link\\](http:\u2060//x)'

# What Markdown (CommonMark, GitHub's extensions, LaTeX, HTML) reads as the start of something, written
# here on its own so the test does not trust the helper: signs special anywhere, bare links and
# Streamlit's :color[...] directives (broken by an invisible word joiner), signs special at the start
# of a line.
SIEMPRE = set("\\`*_[]<>|~$&")
UNIR = "\u2060"
INICIO = set("#+=-")
# Where HTML may be rendered: (file, function, what is passed), and why no person's text reaches it.
HTML_PERMITIDO = {
    (
        "ui/components/semaforo.py",
        "leyenda",
        "'**Semáforo:** ' + ''.join(partes)",
    ): "leyenda fija: colores y etiquetas de core.lifecycle.ciclo, sin datos",
    (
        "ui/components/sesion.py",
        "_enviar_cookie",
        "f'<script>document.cookie = \"{COOKIE}={v",
    ): "script de la cookie: solo el token propio, comprobado contra [A-Za-z0-9_-]",
    ("ui/paso9_subir.py", "<módulo>", "ESTILO_SUBIDA"): "hoja de estilo fija",
    ("ui/components/textos_streamlit.py", "traducir", "CSS"): "hoja de estilo fija",
    ("ui/components/filas.py", "estilos", "_CSS"): "hoja de estilo fija",
    # Tables whose rows carry buttons: every cell's text goes through html.escape (filas._span).
    ("ui/components/filas.py", "encabezado", "_linea(columnas, [c.titulo for c in colu"): "celdas escapadas",
    ("ui/components/filas.py", "renglon", "_linea(columnas[i:j], textos, apagados=a"): "celdas escapadas",
    ("ui/components/filas.py", "renglones", "''.join(planas)"): "renglones de celdas escapadas (_linea)",
    ("ui/components/filas.py", "vaciar", "''.join(planas)"): "renglones de celdas escapadas (_linea)",
    ("ui/components/filas.py", "totales", "_linea(columnas, textos, 'eyf-total')"): "celdas escapadas",
    (
        "ui/tablero.py",
        "<módulo>",
        "f'<style>.st-key-fila_{cuenta.ooad}{{bac",
    ): "estilo del renglón propio: la clave de la OOAD/UMAE de la cuenta (del catálogo, [a-z0-9-])",
    # AG Grid runs the module's own fixed JsCode (Tab, list editor, paste, return); the rows go in as
    # data (JSON rowData), drawn by AG Grid's default text renderer and tooltips, never as HTML or code.
    ("ui/components/rejilla_ag.py", "argumentos", ""): "código fijo de la rejilla; datos como texto",
}


def _leer(marcado: str) -> str:
    """The text a Markdown renderer shows for `marcado`; fails if any sign could start something."""
    signos = []  # (character, escaped)
    i = 0
    while i < len(marcado):
        if marcado[i] == "\\" and i + 1 < len(marcado) and marcado[i + 1] in string.punctuation:
            signos.append((marcado[i + 1], True))
            i += 2
        else:
            signos.append((marcado[i], False))
            i += 1
    texto = "".join(c for c, _ in signos).replace(UNIR, "")
    libres = "".join(c if not escapado else "\0" for c, escapado in signos)  # escaped signs masked
    assert not SIEMPRE & set(libres), marcado
    assert "://" not in libres and "www." not in libres.lower() and not re.search(r"@[-\w]|:[a-zA-Z]", libres), marcado
    for linea in libres.split("\n"):
        inicio = linea.lstrip(" \t")
        assert inicio[:1] not in INICIO and not re.match(r"\d+[.)]", inicio), marcado
    return texto


def test_md_escapa_enlaces_negritas_y_html():
    assert md(PELIGROSO) == ESCAPADO
    assert md(None) == ""


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(sorted(SIEMPRE | INICIO) + list(":/.wWr@1)( \nañ'\"!{}^")), max_size=14))
def test_md_muestra_cada_signo_tal_cual(texto):
    assert _leer(md(texto)) == texto.replace("\n", "  \n")


@pytest.mark.parametrize("texto", ["Lic. Ana Ruiz (jefa): 3 días", "mis unidades.csv", "Espere 5 segundo(s)."])
def test_md_deja_igual_el_texto_comun(texto):
    assert md(texto) == texto


def test_md_conserva_los_saltos_de_linea_sin_abrir_bloques():
    """A line that starts with '- ', '# ' or '> ' stays text: the sign is escaped, the break kept."""
    assert md("uno\r\n- dos\r# tres\n 2. cuatro") == "uno  \n\\- dos  \n\\# tres  \n 2\\. cuatro"


def _llamadas_html(ruta: Path):
    """(function, what is passed, line) of every call that lets HTML or script through in one file."""
    arbol = ast.parse(ruta.read_text(encoding="utf-8"))
    for funcion in [arbol, *(n for n in ast.walk(arbol) if isinstance(n, ast.FunctionDef))]:
        nombre = getattr(funcion, "name", "<módulo>")
        cuerpo = funcion.body if funcion is not arbol else [n for n in arbol.body if not isinstance(n, ast.FunctionDef)]
        for nodo in (n for parte in cuerpo for n in ast.walk(parte)):
            if not isinstance(nodo, ast.Call):
                continue
            es_html = isinstance(nodo.func, ast.Attribute) and nodo.func.attr == "html"
            inseguro = any(
                k.arg in ("unsafe_allow_html", "unsafe_allow_javascript", "allow_unsafe_jscode")
                and not (isinstance(k.value, ast.Constant) and k.value.value is False)
                for k in nodo.keywords
            )
            if es_html or inseguro:
                pasado = ast.unparse(nodo.args[0])[:40] if nodo.args else ""
                yield nombre, pasado, nodo.lineno


def test_ningun_html_fuera_de_la_lista():
    fuentes = [RAIZ / "app.py", *sorted((RAIZ / "ui").rglob("*.py"))]
    halladas = {(str(r.relative_to(RAIZ)), f, p, n) for r in fuentes for f, p, n in _llamadas_html(r)}
    fuera = sorted(h for h in halladas if h[:3] not in HTML_PERMITIDO)
    assert not fuera, f"HTML sin razón en la lista HTML_PERMITIDO: {fuera}"
    assert {h[:3] for h in halladas} & set(HTML_PERMITIDO)  # the scan sees them


def test_el_escaneo_ve_html_en_una_pagina(tmp_path):
    pagina = tmp_path / "p.py"
    pagina.write_text(
        "def f(n):\n    st.caption(f'{n}', unsafe_allow_html=True)\nst.html(x)\n"
        "st.markdown(y, unsafe_allow_html=False)\n",
        encoding="utf-8",
    )
    assert sorted(_llamadas_html(pagina)) == [("<módulo>", "x", 3), ("f", "f'{n}'", 2)]


def _cuerpos(elementos) -> list[str]:
    return [e.proto.body for e in elementos]


def test_nombre_de_quien_captura_en_la_barra_lateral(datos):
    at = iniciar_sesion(abrir_app(datos), "chihuahua", persona=PELIGROSO)
    assert not at.exception, at.exception
    sesion = [e for e in at.sidebar.caption if e.proto.body.startswith("Sesión:")]
    assert len(sesion) == 1
    assert f"Captura: {ESCAPADO} (Jefa de Servicio)" in sesion[0].proto.body
    assert PELIGROSO not in sesion[0].proto.body and not sesion[0].proto.allow_html


def test_razon_de_la_division_en_el_paso9(datos):
    razon = f"Revise la cifra: {PELIGROSO}"
    store = instalacion.abrir(datos)
    try:
        anio = ciclo.periodo_actual(store).anio
        s = reaperturas.solicitar(
            store, cuentas.obtener(store, "colima"), "Luis", anio, "Queremos cambiar la causa de un Faltante"
        )
        reaperturas.rechazar(store, cuentas.obtener(store, "admin"), s.id, razon)
    finally:
        store.close()
    at = iniciar_sesion(abrir_app(datos), "colima", persona="Luis Gómez")
    at.switch_page("ui/paso9_subir.py").run()
    assert not at.exception, at.exception
    avisos = [b for b in _cuerpos(at.warning) if "rechazada por la División" in b]
    assert len(avisos) == 1 and avisos[0].endswith(md(f"Motivo: {razon}")) and PELIGROSO not in avisos[0]


def test_nombre_de_archivo_en_los_errores_de_importacion(datos):
    at = iniciar_sesion(abrir_app(datos), "admin")
    at.switch_page("ui/admin_catalogos.py").run()
    at.radio(key="adm_cat_tipo").set_value("productos").run()
    nombre = '<img src="x" onerror="alert(1)"> **negrita** [link](x).csv'  # a file name has no "/"
    at.get("file_uploader")[0].upload(nombre, b"clave,nombre\n", "text/csv").run()
    boton(at, "Revisar archivo").click().run()
    assert not at.exception, at.exception
    (error,) = _cuerpos(at.error)
    assert md(f"«{nombre}»") in error and "**negrita**" not in error
    lista = next(c for c in _cuerpos(at.markdown) if "negrita" in c)  # every error names the file
    assert md(nombre) in lista and "**negrita**" not in lista


@pytest.mark.parametrize("pagina", ["ui/paso1_acceso.py", "ui/mi_cuenta.py"])
def test_nombre_de_la_cuenta(datos, pagina):
    """The account's name is set by the División but typed by a person too."""
    store = instalacion.abrir(datos)
    try:
        store.escribir(lambda tx: tx.execute("UPDATE cuenta SET nombre = ? WHERE usuario = 'analista'", [PELIGROSO]))
    finally:
        store.close()
    at = iniciar_sesion(abrir_app(datos), "analista")
    at.switch_page(pagina).run()
    assert not at.exception, at.exception
    cuerpos = _cuerpos(at.markdown) + _cuerpos(at.success) + _cuerpos(at.sidebar.caption)
    assert any(ESCAPADO in c for c in cuerpos), cuerpos
    assert not any(PELIGROSO in c for c in cuerpos)
