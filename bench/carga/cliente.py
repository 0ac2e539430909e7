"""A Streamlit client without a browser: it speaks the app's own websocket protocol (the protobuf
messages BackMsg/ForwardMsg shipped in the streamlit package), as the frontend does.

What the frontend does and this client copies:
- connect to `<base>/_stcore/stream` (subprotocol "streamlit"), with the browser's cookies;
- a run is a `BackMsg.rerun_script` carrying the page (`page_script_hash`, or `page_name` on the
  first load) and the widget states it holds; the server answers with ForwardMsgs (deltas with the
  page's elements, `navigation` with the current page, `script_finished`);
- widget values persist from run to run (a text typed stays); a button is a one-shot trigger; the
  states of widgets that the last full run did not draw are dropped;
- a custom component (the Paso 6 grid, streamlit-aggrid) sends its value as JSON;
- a deferred download button (`deferred_file_id`) is asked for its URL with a
  `backend_operation_request`, then the file is fetched over HTTP;
- cookies a response sets (HAProxy's EYF_REPLICA, on the websocket's handshake or a download) are
  kept and sent with every later request, so a session stays on its replica behind the proxy.

Widgets are found by their user key (an element id ends with `-<key>`) or by their label.
"""

from __future__ import annotations

import asyncio
import http.cookies
import json
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState

_INTERRUMPIDA = ForwardMsg.FINISHED_EARLY_FOR_RERUN
_FRAGMENTO = ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY


class ErrorCliente(Exception):
    """The server did not answer as a browser would expect (timeout, exception on the page…)."""


@dataclass
class Widget:
    id: str
    tipo: str
    etiqueta: str
    proto: object
    fragmento: str = ""


@dataclass
class Corrida:
    """What one action (a run and the runs it triggered: st.rerun, switch_page) drew."""

    widgets: dict[str, Widget] = field(default_factory=dict)
    textos: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    excepciones: list[str] = field(default_factory=list)
    segundos: float = 0.0
    fragmento: bool = False  # the last run was a fragment's (only the fragment was drawn again)
    corridas: int = 0  # script runs the action took (st.rerun and st.switch_page start another)

    def texto(self) -> str:
        return "\n".join(self.textos)


def _texto_de(el) -> str | None:
    tipo = el.WhichOneof("type")
    sub = getattr(el, tipo, None)
    for campo in ("body", "label"):
        if sub is not None and hasattr(sub, campo):
            v = getattr(sub, campo)
            if isinstance(v, str) and v:
                return v
    return None


class Cliente:
    def __init__(self, base: str, *, cookies: dict[str, str] | None = None, espera: float = 60.0) -> None:
        u = urllib.parse.urlsplit(base)
        self.base = base.rstrip("/")
        self.ws_url = urllib.parse.urlunsplit(
            ("wss" if u.scheme == "https" else "ws", u.netloc, u.path.rstrip("/") + "/_stcore/stream", "", "")
        )
        self.origin = f"{u.scheme}://{u.netloc}"
        self.cookies = dict(cookies or {})
        self.espera = espera
        self.ws = None
        self.estados: dict[str, WidgetState] = {}
        self.widgets: dict[str, Widget] = {}
        self.pagina_hash = ""
        self.paginas: dict[str, str] = {}  # url_pathname -> page_script_hash
        self.session_id = ""
        self.ultima = Corrida()
        self._respuestas: dict[str, object] = {}

    async def conectar(self) -> None:
        cabeceras = {"Origin": self.origin, **self.cabecera_cookie()}
        self.ws = await websockets.connect(
            self.ws_url,
            subprotocols=["streamlit"],
            additional_headers=cabeceras,
            max_size=None,
            open_timeout=self.espera,
            ping_interval=None,
        )
        self.recordar(self.ws.response.headers.get_all("Set-Cookie"))

    def recordar(self, set_cookies: list[str]) -> None:
        """Keep what `Set-Cookie` headers set, as a browser does (name=value; attributes ignored)."""
        for linea in set_cookies:
            galleta = http.cookies.SimpleCookie()
            galleta.load(linea)
            for nombre, morsel in galleta.items():
                self.cookies[nombre] = morsel.value

    def cabecera_cookie(self) -> dict[str, str]:
        """The `Cookie` header of the next request (empty when nothing was set)."""
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    async def cerrar(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            self.ws = None

    # ---- runs -----------------------------------------------------------------------------------
    async def abrir(self, pagina: str = "") -> Corrida:
        """The first load of `pagina` (its URL path, "" for the default page)."""
        return await self._correr(page_name=pagina)

    async def ir(self, pagina: str) -> Corrida:
        """Navigate to the page whose URL path is `pagina` (a click on a page link)."""
        h = self.paginas.get(pagina)
        if h is None:
            raise ErrorCliente(f"página desconocida: {pagina} ({sorted(self.paginas)})")
        self.estados.clear()  # the frontend drops the old page's widgets
        return await self._correr(page_script_hash=h)

    async def recargar(self) -> Corrida:
        return await self._correr(page_script_hash=self.pagina_hash)

    def widget(self, clave: str | None = None, *, etiqueta: str | None = None, tipo: str | None = None) -> Widget:
        for w in self.widgets.values():
            if tipo and w.tipo != tipo:
                continue
            if clave is not None and w.id.endswith(f"-{clave}"):
                return w
            if clave is None and (etiqueta is None or w.etiqueta.startswith(etiqueta)):
                return w
        raise ErrorCliente(
            f"no hay widget clave={clave!r} etiqueta={etiqueta!r}: "
            + ", ".join(sorted(f"{w.tipo}:{w.id.rsplit('-', 1)[-1] or w.etiqueta[:30]}" for w in self.widgets.values()))
        )

    def poner(self, w: Widget, valor) -> None:
        """Hold a widget's value (sent with the next run), as typing or choosing does."""
        e = WidgetState(id=w.id)
        if w.tipo == "component_instance":
            e.json_value = json.dumps(valor)
        elif isinstance(valor, bool):
            e.bool_value = valor
        elif isinstance(valor, int):
            e.int_value = valor
        elif isinstance(valor, float):
            e.double_value = valor
        else:
            e.string_value = str(valor)
        self.estados[w.id] = e

    async def cambiar(self, w: Widget, valor) -> Corrida:
        """Set a widget's value and run (a widget outside a form reruns on change)."""
        self.poner(w, valor)
        return await self._correr(page_script_hash=self.pagina_hash, fragmento=w.fragmento)

    async def pulsar(self, w: Widget) -> Corrida:
        """A button click (or a form's submit button): a one-shot trigger."""
        e = WidgetState(id=w.id, trigger_value=True)
        return await self._correr(page_script_hash=self.pagina_hash, una_vez=[e], fragmento=w.fragmento)

    @staticmethod
    def datos_de(w: Widget):
        """A custom component's dataframe argument, or its gridOptions' JSON rowData (the Paso 6 grid's
        rows), as a pyarrow Table."""
        import pyarrow as pa

        for arg in w.proto.special_args:
            if arg.WhichOneof("value") == "arrow_dataframe":
                return pa.ipc.open_stream(arg.arrow_dataframe.data.data).read_all()
        filas = json.loads(w.proto.json_args or "{}").get("gridOptions", {}).get("rowData")
        if isinstance(filas, str):  # st_aggrid's JSON rows (the Paso 6 grid sends them so)
            return pa.Table.from_pylist(json.loads(filas))
        raise ErrorCliente(f"el componente {w.id} no trae datos")

    async def descargar(self, w: Widget) -> bytes:
        """A deferred download button: ask the server for the file's URL, then fetch it."""
        fid = getattr(w.proto, "deferred_file_id", "") or ""
        if fid:
            msg = BackMsg()
            rid = str(uuid.uuid4())
            msg.backend_operation_request.request_id = rid
            msg.backend_operation_request.session_id = self.session_id
            msg.backend_operation_request.deferred_file.file_id = fid
            await self.ws.send(msg.SerializeToString())
            resp = await self._esperar_respuesta(rid)
            if resp.error_msg:
                raise ErrorCliente(f"descarga: {resp.error_msg}")
            url = resp.deferred_file.url
        else:
            url = w.proto.url
        return await asyncio.to_thread(self._http_get, url)

    def _http_get(self, url: str) -> bytes:
        import urllib.request

        completa = url if url.startswith("http") else self.base + ("" if url.startswith("/") else "/") + url
        req = urllib.request.Request(completa, headers=self.cabecera_cookie())
        with urllib.request.urlopen(req, timeout=self.espera) as r:
            self.recordar(r.headers.get_all("Set-Cookie") or [])
            return r.read()

    async def _esperar_respuesta(self, rid: str):
        limite = time.monotonic() + self.espera
        while rid not in self._respuestas:
            await self._recibir_uno(Corrida(), limite)
        return self._respuestas.pop(rid)

    async def _correr(
        self, *, page_name: str = "", page_script_hash: str = "", una_vez=(), fragmento: str = ""
    ) -> Corrida:
        if self.ws is None:
            await self.conectar()
        msg = BackMsg()
        cs = msg.rerun_script
        cs.query_string = ""
        cs.page_name = page_name
        cs.page_script_hash = page_script_hash
        if fragmento:
            cs.fragment_id = fragmento
        cs.context_info.timezone = "America/Mexico_City"
        cs.context_info.locale = "es-MX"
        cs.context_info.url = self.base + "/" + page_name
        for e in [*self.estados.values(), *una_vez]:
            cs.widget_states.widgets.append(e)
        t0 = time.perf_counter()
        corrida = Corrida()
        await self.ws.send(msg.SerializeToString())
        limite = time.monotonic() + self.espera
        # Until a run finishes that is not cut short by another (st.rerun, switch_page).
        while True:
            fin = await self._recibir_uno(corrida, limite)
            if fin is not None:
                corrida.corridas += 1
                if fin != _INTERRUMPIDA:
                    break
        corrida.segundos = time.perf_counter() - t0
        corrida.fragmento = fin == _FRAGMENTO
        if fin != _FRAGMENTO:
            vistos = set(corrida.widgets)
            self.estados = {k: v for k, v in self.estados.items() if k in vistos}
            self.widgets = corrida.widgets
        else:
            self.widgets.update(corrida.widgets)
        self.ultima = corrida
        if corrida.excepciones:
            raise ErrorCliente("excepción en la página: " + " | ".join(corrida.excepciones)[:500])
        return corrida

    async def _recibir_uno(self, corrida: Corrida, limite: float):
        """Read one ForwardMsg; returns the script_finished status if it was one, else None."""
        resto = limite - time.monotonic()
        if resto <= 0:
            raise ErrorCliente(f"sin respuesta en {self.espera:.0f} s")
        try:
            datos = await asyncio.wait_for(self.ws.recv(), resto)
        except TimeoutError as exc:
            raise ErrorCliente(f"sin respuesta en {self.espera:.0f} s") from exc
        fm = ForwardMsg()
        fm.ParseFromString(datos)
        tipo = fm.WhichOneof("type")
        if tipo == "new_session":
            self.session_id = fm.new_session.initialize.session_id or self.session_id
            # A new run starts drawing from scratch: widgets drawn by a run cut short are dropped.
            corrida.widgets.clear()
        elif tipo == "navigation":
            self.pagina_hash = fm.navigation.page_script_hash
            self.paginas = {p.url_pathname: p.page_script_hash for p in fm.navigation.app_pages}
        elif tipo == "page_info_changed":
            pass
        elif tipo == "delta":
            d = fm.delta
            if d.WhichOneof("type") == "new_element":
                el = d.new_element
                t = el.WhichOneof("type")
                sub = getattr(el, t, None)
                if t == "exception":
                    corrida.excepciones.append(f"{sub.type}: {sub.message}")
                elif t == "html":
                    corrida.html.append(sub.body)
                wid = getattr(sub, "id", "") if sub is not None else ""
                if wid and isinstance(wid, str):
                    corrida.widgets[wid] = Widget(wid, t, getattr(sub, "label", "") or "", sub, d.fragment_id)
                texto = _texto_de(el)
                if texto:
                    corrida.textos.append(texto)
        elif tipo == "backend_operation_response":
            self._respuestas[fm.backend_operation_response.request_id] = fm.backend_operation_response
        elif tipo == "script_finished":
            return fm.script_finished
        return None
