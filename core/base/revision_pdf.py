"""The content check of an uploaded PDF, run in a child process with CPU, memory and time limits.

Why a child: pypdf on a hostile file can cost minutes of CPU (measured: 30,000 pages in 4.7 MB took
122 s to extract; 60 MB of text operators packed in 147 KB took 41 s), and the server must not be
tied up by one upload. `revisar` runs `python -m core.base.revision_pdf`, sends the bytes on stdin and
reads one JSON answer on stdout; the child limits itself (RLIMIT_CPU, RLIMIT_AS) before it parses
anything, and the parent kills it at the wall-clock deadline. The child imports only pypdf and the
standard library, so it starts in about 0.1 s.
"""

from __future__ import annotations

import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import threading
from pathlib import Path

from core.base.errors import PdfRechazado

RAIZ = Path(__file__).resolve().parents[2]

# Largest Versión Final the tool prints for one OOAD/UMAE, measured with reports/reporte.py: the
# largest OOAD/UMAE (México Oriente, 120 units) with 40 lines a unit (4,800 lines) prints 189 pages,
# with 520 lines a unit (62,400 lines) 2,182 pages: about 29 lines a page. 2,000 pages is therefore
# some 57,000 lines, 475 products declared by every unit of the largest OOAD/UMAE, against the 46
# lines of the largest demo OOAD/UMAE in all; a scan of such a report has the same page count.
PAGINAS_MAXIMAS = 2_000
# CPU seconds of one check. Measured here: the 2,182-page Versión Final takes 0.7 s, a 100 MB scan of
# 2,000 pages 0.7 s; 10 s leaves room for a slower server and stops a crafted file early.
CPU_SEGUNDOS = 10
# Wall clock: the child may wait for a core on a busy 2-core server; it is killed after this.
PARED_SEGUNDOS = 30
# Address space of the child. Measured peak: 366 MB for the 100 MB scan (the file, its streams read
# by pypdf, the interpreter's 55 MB); 1 GB leaves room and stops a decompression bomb.
MEMORIA_MAXIMA = 1024 * 1024 * 1024
# Decoded drawing instructions of one page. A page of the Versión Final has at most 15 KB; a scanned
# page a few dozen bytes (the image is not an instruction). Text extraction costs 0.7-1.4 s of CPU per
# MB of text instructions (measured), so this also bounds the work spent on one page.
CONTENIDO_PAGINA_MAXIMO = 4 * 1024 * 1024
# The folio is printed on every page of the Versión Final: the text of the first and last pages is
# enough to find it, and reading every page of 2,000 would cost about 35 s (60 pages/s).
PAGINAS_CON_TEXTO = 5
# One check at a time per server process, so uploads never take both cores from the server.
_UNA_A_LA_VEZ = threading.BoundedSemaphore(1)
ESPERA_TURNO_SEGUNDOS = PARED_SEGUNDOS

# Active content: JavaScript, launching programs, attached files, multimedia, XFA forms.
ACTIVOS = {
    "JS": "JavaScript",
    "JavaScript": "JavaScript",
    "Launch": "una acción que abre programas (/Launch)",
    "EmbeddedFiles": "archivos adjuntos (/EmbeddedFiles)",
    "RichMedia": "contenido multimedia (/RichMedia)",
    "XFA": "un formulario XFA (/XFA)",
}

TARDO = (
    "El PDF tardó demasiado en revisarse (más de {cpu} s de cómputo o {pared} s en total) y no se aceptó. "
    "Un reporte firmado normal se revisa en segundos: vuelva a guardarlo o escanearlo como PDF y súbalo de nuevo."
)
MEMORIA = (
    "El PDF necesitó demasiada memoria para revisarse y no se aceptó. Vuelva a guardarlo o escanearlo como PDF "
    "(por ejemplo, con menos resolución) y súbalo de nuevo."
)
OCUPADO = "El servidor está revisando otro PDF en este momento. Espere un minuto y vuelva a presionar el botón."


# PDF name syntax: "/" then any characters up to whitespace or a delimiter; "#xx" escapes a byte.
_NOMBRE = re.compile(rb"/([^\x00\t\n\x0c\r /\[\]()<>{}%]+)")
_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_INICIO_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")


def _fuera_de_streams(datos: bytes):
    """The file without stream bodies: image bytes would match names by chance (a real scan did not
    contain /JS, but 100 MB of random bytes holds a few), and stream contents are walked by pypdf."""
    pos = 0
    while True:
        m = _INICIO_STREAM.search(datos, pos)
        if m is None:
            yield datos[pos:]
            return
        yield datos[pos : m.start()]
        fin = datos.find(b"endstream", m.end())
        if fin < 0:
            return
        pos = fin + len(b"endstream")


def activo_en_bytes(datos: bytes) -> str | None:
    """Cheap first pass over the raw file: the first active-content name outside streams, decoding
    "#xx" escapes (/J#61vaScript is /JavaScript). Compressed object streams are left to the walk."""
    for trozo in _fuera_de_streams(datos):
        for m in _NOMBRE.finditer(trozo):
            nombre = m.group(1)
            if b"#" in nombre:
                nombre = _ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]), nombre)
            texto = nombre.decode("latin-1")
            if texto in ACTIVOS:
                return texto
    return None


def _rechazo_activo(nombre: str) -> PdfRechazado:
    return PdfRechazado(
        f"El PDF contiene {ACTIVOS[nombre]}, que no se admite en un reporte firmado. Guárdelo o imprímalo de "
        "nuevo como PDF sin formularios, adjuntos ni programas (por ejemplo, «Imprimir como PDF») y súbalo otra vez."
    )


def _contar_paginas(lector, maximo: int) -> int:
    """Pages of the page tree, stopping past `maximo`: /Count can lie and one page object can be
    listed thousands of times in /Kids, which is what made 4.7 MB cost 122 s."""
    from pypdf.generic import IndirectObject

    demasiadas = PdfRechazado(
        f"El PDF tiene más de {maximo:,} páginas; el máximo es {maximo:,} (la Versión Final de la OOAD/UMAE "
        "más grande ocupa mucho menos). Verifique que subió el reporte correcto."
    )
    raiz = lector.trailer["/Root"].get_object()["/Pages"]
    declaradas = raiz.get_object().get("/Count")
    if isinstance(declaradas, int) and declaradas > maximo:
        raise demasiadas
    n, nodos_vistos, pila = 0, set(), [raiz]
    while pila:
        ref = pila.pop()
        nodo = ref.get_object()
        hijos = nodo.get("/Kids")
        if hijos is None:
            n += 1
            if n > maximo:
                raise demasiadas
            continue
        clave = (ref.idnum, ref.generation) if isinstance(ref, IndirectObject) else id(nodo)
        if clave in nodos_vistos:
            raise PdfRechazado("El PDF está dañado (su árbol de páginas se repite a sí mismo). Vuelva a generarlo.")
        nodos_vistos.add(clave)
        pila.extend(reversed(list(hijos.get_object())))
    return n


def _recorrer_objetos(lector) -> None:
    """Every object of the file (the trailer, the cross-reference tables and the objects packed in
    compressed object streams), by dictionary key and by name value. Stream data is not decoded."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject

    pila: list = [lector.trailer]
    for generacion, tabla in lector.xref.items():
        pila.extend(IndirectObject(idnum, generacion, lector) for idnum in tabla)
    pila.extend(IndirectObject(idnum, 0, lector) for idnum in lector.xref_objStm)
    vistos: set[tuple[int, int]] = set()
    while pila:
        obj = pila.pop()
        if isinstance(obj, IndirectObject):
            clave = (obj.idnum, obj.generation)
            if clave in vistos:
                continue
            vistos.add(clave)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):
            for k, v in obj.items():
                if k[1:] in ACTIVOS:
                    raise _rechazo_activo(k[1:])
                pila.append(v)
        elif isinstance(obj, ArrayObject):
            pila.extend(obj)
        elif isinstance(obj, NameObject) and obj[1:] in ACTIVOS:
            raise _rechazo_activo(obj[1:])


def _revisar_apertura(lector) -> None:
    """/OpenAction may only show a page (a destination, or /GoTo actions): scanners write that.
    Anything else (a web address, a form submission) runs by itself when the file is opened."""
    from pypdf.generic import ArrayObject, DictionaryObject

    pila = [lector.trailer["/Root"].get_object().get("/OpenAction")]
    vistas = 0
    while pila and vistas < 100:
        accion = pila.pop()
        if accion is None:
            continue
        vistas += 1
        accion = accion.get_object()
        if not isinstance(accion, DictionaryObject):
            continue  # a destination: an array [page /Fit], or a named destination
        tipo = accion.get("/S")
        if tipo != "/GoTo":
            raise PdfRechazado(
                f"El PDF ejecuta una acción al abrirse ({str(tipo or 'sin tipo').lstrip('/')}); solo se admite "
                "que abra en una página. Guárdelo de nuevo como PDF y súbalo otra vez."
            )
        siguiente = accion.get("/Next")
        if siguiente is not None:
            siguiente = siguiente.get_object()
            pila.extend(siguiente if isinstance(siguiente, ArrayObject) else [siguiente])


def _contenido_de_pagina(pagina) -> int:
    """Bytes of the page's decoded drawing instructions, without keeping them in memory."""
    from pypdf.filters import decode_stream_data
    from pypdf.generic import ArrayObject

    contenido = pagina.get("/Contents")
    if contenido is None:
        return 0
    contenido = contenido.get_object()
    partes = list(contenido) if isinstance(contenido, ArrayObject) else [contenido]
    total = 0
    for parte in partes:
        parte = parte.get_object()
        total += len(decode_stream_data(parte) if "/Filter" in parte else parte.get_data())
        if total > CONTENIDO_PAGINA_MAXIMO:
            break
    return total


def revisar_aqui(datos: bytes, paginas_maximas: int = PAGINAS_MAXIMAS) -> tuple[int, str]:
    """(pages, text of the first and last pages); raises PdfRechazado. Run it in the child only."""
    from pypdf import PdfReader, overwrite_configuration

    if (nombre := activo_en_bytes(datos)) is not None:
        raise _rechazo_activo(nombre)
    # strict: pypdf would otherwise repair broken files silently. One image of a scan may be longer than
    # pypdf's default cap on a stream's declared length (75 MB); no stream is longer than the file.
    overwrite_configuration(maximum_declared_stream_length=max(len(datos), 75_000_000))
    lector = PdfReader(io.BytesIO(datos), strict=True)
    if lector.is_encrypted:
        raise PdfRechazado("El PDF está protegido con contraseña; súbalo sin protección.")
    paginas = _contar_paginas(lector, paginas_maximas)
    if paginas == 0:
        raise PdfRechazado("El PDF no tiene páginas.")
    _recorrer_objetos(lector)
    _revisar_apertura(lector)
    todas = lector.pages
    if len(todas) != paginas:
        raise PdfRechazado("El PDF está dañado (su árbol de páginas no cuadra). Vuelva a generarlo.")
    for i, pagina in enumerate(todas, start=1):
        tamano = _contenido_de_pagina(pagina)
        if tamano > CONTENIDO_PAGINA_MAXIMO:
            raise PdfRechazado(
                f"La página {i:,} del PDF tiene demasiado contenido (más de {CONTENIDO_PAGINA_MAXIMO // 2**20} MB "
                "de instrucciones de dibujo; una página de la Versión Final tiene unos 15 KB). Vuelva a guardarlo "
                "o escanearlo como PDF y súbalo de nuevo."
            )
    indices = sorted(
        set(range(min(PAGINAS_CON_TEXTO, paginas))) | set(range(max(0, paginas - PAGINAS_CON_TEXTO), paginas))
    )
    texto = "\n".join(todas[i].extract_text() or "" for i in indices)
    return paginas, texto


def _limitarse(cpu: int, memoria: int) -> None:
    """Limits of the child itself: past `cpu` seconds the kernel stops it (SIGXCPU, then SIGKILL a second
    later); allocations past `memoria` fail with MemoryError; no core file."""
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memoria, memoria))


def main(argv: list[str]) -> int:
    paginas_maximas, cpu, memoria = (int(a) for a in argv)
    _limitarse(cpu, memoria)
    datos = sys.stdin.buffer.read()
    try:
        paginas, texto = revisar_aqui(datos, paginas_maximas)
        respuesta = {"paginas": paginas, "texto": texto}
    except PdfRechazado as exc:
        respuesta = {"rechazo": str(exc)}
    except MemoryError:
        datos = None
        respuesta = {"memoria": True}
    except Exception as exc:  # noqa: BLE001 - any other failure of the parser means a damaged file
        respuesta = {"danado": type(exc).__name__}
    sys.stdout.write(json.dumps(respuesta))
    return 0


def revisar(
    datos: bytes,
    *,
    paginas_maximas: int = PAGINAS_MAXIMAS,
    cpu: int = CPU_SEGUNDOS,
    pared: float = PARED_SEGUNDOS,
    memoria: int = MEMORIA_MAXIMA,
    espera_turno: float = ESPERA_TURNO_SEGUNDOS,
) -> tuple[int, str]:
    """(pages, text) of the PDF as the child read it; raises PdfRechazado with the reason."""
    if not _UNA_A_LA_VEZ.acquire(timeout=espera_turno):
        raise PdfRechazado(OCUPADO)
    try:
        entorno = {k: v for k, v in os.environ.items() if k != "PYTHONSAFEPATH"}
        r = subprocess.run(
            [sys.executable, "-m", "core.base.revision_pdf", str(paginas_maximas), str(cpu), str(memoria)],
            input=datos,
            capture_output=True,
            timeout=pared,
            cwd=RAIZ,
            env=entorno,
            check=False,
        )  # on timeout, run() kills the child and waits for it
    except subprocess.TimeoutExpired:
        raise PdfRechazado(TARDO.format(cpu=cpu, pared=round(pared))) from None
    finally:
        _UNA_A_LA_VEZ.release()
    if r.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise PdfRechazado(TARDO.format(cpu=cpu, pared=round(pared)))
    try:
        respuesta = json.loads(r.stdout)
    except ValueError:
        respuesta = {"memoria": True} if b"MemoryError" in r.stderr else {"danado": f"salida {r.returncode}"}
    if "rechazo" in respuesta:
        raise PdfRechazado(respuesta["rechazo"])
    if "memoria" in respuesta:
        raise PdfRechazado(MEMORIA)
    if "danado" in respuesta:
        raise PdfRechazado(f"El PDF está dañado y no se puede leer ({respuesta['danado']}). Vuelva a generarlo.")
    return int(respuesta["paginas"]), str(respuesta["texto"])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
