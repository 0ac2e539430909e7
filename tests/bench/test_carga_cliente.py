"""The load harness's client keeps the cookie HAProxy sets (EYF_REPLICA) and sends it back, on the
websocket and on a download, or sessions behind the proxy would land on a replica without their
Streamlit session (bench/carga/cliente.py)."""

from __future__ import annotations

import asyncio
import http.server
import threading
from concurrent.futures import ThreadPoolExecutor

import websockets

from bench.carga.cliente import Cliente

SET_COOKIE = "EYF_REPLICA=r2; path=/; HttpOnly; SameSite=Lax"


def test_recuerda_la_cookie_de_set_cookie_sin_sus_atributos():
    c = Cliente("http://127.0.0.1:1")
    assert c.cabecera_cookie() == {}
    c.recordar([SET_COOKIE, "otra=1"])
    assert c.cookies == {"EYF_REPLICA": "r2", "otra": "1"}
    assert c.cabecera_cookie() == {"Cookie": "EYF_REPLICA=r2; otra=1"}


def test_la_cookie_del_handshake_vuelve_en_la_siguiente_conexion_y_en_la_descarga():
    vistas: list[str | None] = []

    class Http(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's name
            vistas.append(self.headers.get("Cookie"))
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"%PDF")

        def log_message(self, *_):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Http)
    hilo = threading.Thread(target=httpd.serve_forever, daemon=True)
    hilo.start()

    async def jugar():
        def responder(conexion, peticion, respuesta):
            vistas.append(peticion.headers.get("Cookie"))
            if not peticion.headers.get("Cookie"):
                respuesta.headers["Set-Cookie"] = SET_COOKIE  # as HAProxy inserts it on the first answer
            return respuesta

        async with websockets.serve(lambda ws: ws.wait_closed(), "127.0.0.1", 0, process_response=responder) as srv:
            puerto = srv.sockets[0].getsockname()[1]
            c = Cliente(f"http://127.0.0.1:{puerto}", espera=5)
            await c.conectar()
            await c.cerrar()
            await c.conectar()  # a reconnection carries the cookie
            await c.cerrar()
            c.base = f"http://127.0.0.1:{httpd.server_address[1]}"
            return await asyncio.to_thread(c._http_get, "/media/x.pdf")

    try:
        # in a thread of its own: a worker that ran a browser test before has Playwright's event loop
        # running in this thread, where asyncio.run() refuses to start another
        with ThreadPoolExecutor(1) as aparte:
            assert aparte.submit(asyncio.run, jugar()).result(timeout=60) == b"%PDF"
    finally:
        httpd.shutdown()
        httpd.server_close()
        hilo.join(5)
    assert vistas == [None, "EYF_REPLICA=r2", "EYF_REPLICA=r2"]
