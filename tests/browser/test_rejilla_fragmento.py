"""Issue 13 §3: a Paso 6 edit reruns only the grid's fragment, not the whole page; the login and the
person's name take no more script runs than they need.

Played against the browser tests' server by the load harness's websocket client (bench/carga), which
speaks Streamlit's protocol as the frontend does: no Chromium, and the only way to see which run the
server made (the frontend hides it). Querétaro is used by no other browser test.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from bench.carga.cliente import Cliente


async def _jugar(base: str) -> None:
    c = Cliente(base)
    try:
        # Paso 1's form (the tests' demo hashes are cheap), who captures, Paso 2 «SI».
        await c.abrir("paso1")
        lista = c.widget("paso1_seleccion")
        c.poner(lista, next(o for o in lista.proto.options if "Querétaro" in o))
        c.poner(c.widget("paso1_password"), "demo")
        # The login costs two runs (the check, then the menu with the session), the person's name two
        # more: its own and Paso 2's (issue 13 §3: no run of Paso 1 in between).
        assert (await c.pulsar(c.widget(etiqueta="Entrar", tipo="button"))).corridas == 2
        c.poner(c.widget(etiqueta="Nombre completo", tipo="text_input"), "Ana Pérez")
        c.poner(c.widget(etiqueta="Cargo", tipo="text_input"), "Jefa de Servicio")
        assert (await c.pulsar(c.widget(etiqueta="Continuar", tipo="button"))).corridas == 2
        c.poner(c.widget("paso2_respuesta"), "SI")
        await c.pulsar(c.widget(etiqueta="Guardar", tipo="button"))
        # Paso 3-5: the first unit, Cirugía, its largest specialty (642 products).
        await c.ir("paso3")
        await c.pulsar(next(w for w in c.widgets.values() if "-p3_unidad_" in w.id))
        await c.pulsar(c.widget("grupo_CIR"))
        completa = await c.pulsar(c.widget("esp_CIR-TYO"))
        assert not completa.fragmento and "Modo demostración" in completa.texto()
        rejilla = c.widget(tipo="component_instance")
        claves = c.datos_de(rejilla).column("clave").to_pylist()
        assert len(claves) == 642
        # One cell typed: the grid's value reruns its fragment only (no frame, no saved lines), which
        # still counts the change and keeps it.
        fila = dict.fromkeys(("exc_eventos", "fal_causa", "fal_ambito", "fal_eventos", "fal_pacientes"))
        fila |= {"exc_ambito": "Ambulatorio", "exc_pacientes": "1,234"}
        edicion = await c.cambiar(rejilla, {"filas": {claves[3]: fila}})
        assert edicion.fragmento and edicion.corridas == 1, "la edición volvió a correr toda la página"
        texto = edicion.texto()
        assert "Cambios sin guardar: 1 nueva(s)" in texto
        assert "Modo demostración" not in texto and "Líneas guardadas de esta Unidad Médica" not in texto
        # «Guardar» in the fragment opens the page's confirmation; what was typed is saved.
        await c.pulsar(c.widget("p6_guardar"))
        guardado = await c.pulsar(c.widget("p6_confirmar"))
        assert "Líneas guardadas: 1 nueva(s)." in guardado.texto()
    finally:
        await c.cerrar()


def test_una_edicion_de_la_rejilla_corre_solo_su_fragmento(servidor):
    # A thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as hilo:
        hilo.submit(asyncio.run, _jugar(servidor)).result()
