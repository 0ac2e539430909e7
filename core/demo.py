"""Demo accounts and captures, written through the same core functions the app uses.

They let a newcomer see every screen working at once: OOAD/UMAE in every lifecycle state, the
guide's own Chihuahua example, and enough surplus and shortage of the same products in several
states for the analysis pages to find exchanges.
"""

from __future__ import annotations

import datetime as dt
import random

from core.accounts import cuentas
from core.base import reloj
from core.base.errors import ConfirmacionPendiente
from core.base.store import Store
from core.base.texto import normalizar
from core.capture import captura
from core.lifecycle import ciclo

PASSWORD_DEMO = "demo"
PERSONA_DEMO = "Persona de demostración (Capturista)"

# Units with captures per OOAD, as in the guide's tablero (Aguascalientes 2 of 16, ...); the
# guide's sample report has Chihuahua with 7 of 57. None: answered NO.
FINALIZADAS_SI = {
    "Aguascalientes": 2,
    "Baja California": 2,
    "Baja California Sur": 10,
    "Coahuila": 12,
    "Colima": 13,
    "Guerrero": 8,
    "Jalisco": 9,
    "Nuevo León": 6,
}
FINALIZADAS_NO = ("Chiapas",)
FIRMADAS = ("Aguascalientes", "Baja California")  # of the finalized ones: signed PDF uploaded
EN_CAPTURA_SI = {"Chihuahua": 7, "Durango": 10, "Quintana Roo": 4, "Sonora": 5, "Yucatán": 3, "Ciudad de México Sur": 4}
EN_CAPTURA_NO = ("Guanajuato",)
# UMAE by their tablero number (36..60): finalized SI, finalized NO, en captura SI.
UMAE_FINALIZADAS_SI = (36, 37, 38, 40, 44, 47)
UMAE_FINALIZADAS_NO = (50,)
UMAE_EN_CAPTURA_SI = (39, 41, 53)

# The previous period (a year earlier, finalized and closed): the final versions a copy forward starts
# from and the comparison of periods reads. Units with captures per OOAD/UMAE; where the OOAD/UMAE has
# lines this year, the same units with some products added, dropped or changed. Hidalgo, Michoacán,
# Oaxaca and Puebla have not started this year: each can start from its Versión Final (copy forward).
ANTERIOR_SI = {
    "Aguascalientes": 2,
    "Baja California Sur": 6,
    "Coahuila": 6,
    "Colima": 6,
    "Guerrero": 5,
    "Jalisco": 6,
    "Nuevo León": 4,
    "Chihuahua": 3,
    "Durango": 4,
    "Sonora": 3,
    "Hidalgo": 3,
    "Michoacán": 3,
    "Oaxaca": 2,
    "Puebla": 2,
}
ANTERIOR_NO = ("Chiapas",)
UMAE_ANTERIOR_SI = (36, 37, 38, 40)
# What a catalog import retired after the previous period: a unit that closed and a laboratory test
# withdrawn. Hidalgo's previous final version has a line of each; its copy forward leaves them out.
UNIDAD_RETIRADA = {
    "clave": "IL-HG-0900",
    "ooad": "hidalgo",
    "tipo_unidad": "UMF",
    "nombre": "UMF 33, Mineral del Monte",
    "cve_ent": "13",
    "cve_mun": "13039",
    "municipio": "Mineral del Monte",
    "localidad": "Mineral del Monte",
    "lat": 20.139,
    "lon": -98.672,
    "ilustrativa": True,
}
PRODUCTO_RETIRADO = ("LAB-R001", "LAB", "Tiempo de sangrado (método de Ivy).", "Ambulatorio")

# The guide's sample report (Chihuahua, HGZ 35 Ciudad Juárez): product name, cause, events, patients.
LABORATORIO_GUIA = [
    ("Procalcitonina (pct).", "Carencia de Servicio", 200, 200),
    ("Electrolitos (en liquidos corporales).", "Falta de Equipo", 50, 50),
    ("Citoquímica de líquido de ascitis .", "Falta de Equipo", 30, 30),
    ("Citoquímica de líquido de derrame pericárdico .", "Falta de Equipo", 30, 30),
    ("Citoquímica de líquido pleural .", "Falta de Equipo", 30, 30),
    ("Citoquímico de líquido de diálisis .", "Falta de Equipo", 30, 30),
    ("Citoquímico de líquido sinovial .", "Carencia de Servicio", 30, 30),
    ("Peptido c (péptido conector de insulina, péptido c-insulina).", "Carencia de Servicio", 20, 20),
    ("Péptido citrulinado, anticuerpos anti (anti-ccp).", "Carencia de Servicio", 20, 20),
    ("Ro (ssa) igg (sindrome de sjogren), anticuerpos anti.", "Carencia de Servicio", 20, 20),
    ("Ro (ssa), anticuerpos anti.", "Carencia de Servicio", 20, 20),
    ("Somatomedina c (factor de crecimiento insinuloide i) (igf-1/sm c).", "Carencia de Servicio", 20, 20),
    ("Nucleares (fan, ana), anticuerpos anti", "Carencia de Servicio", 15, 15),
    ("Sodio (na) orina.", "Falta de Equipo", 15, 15),
]


def cargar(store: Store, semilla: int = 2026) -> dict:
    """Create demo accounts, a period around today and the demo captures; returns a summary."""
    hash_demo = cuentas.hash_password(PASSWORD_DEMO)  # one hash for all: the password is public
    ooads = store.filas("SELECT clave, nombre, numero FROM ooad ORDER BY numero")
    for clave, nombre, _ in ooads:
        cuentas.crear(store, clave, f"Capturista {nombre}", "capturista", clave, hash_=hash_demo)
    cuentas.crear(store, "admin", "Administración (demo)", "admin", hash_=hash_demo)
    cuentas.crear(store, "analista", "Análisis (demo)", "analista", hash_=hash_demo)

    hoy = reloj.hoy()
    periodo = ciclo.crear_periodo_sistema(store, hoy.year, hoy - dt.timedelta(days=30), hoy + dt.timedelta(days=45))
    with store.transaction() as tx:
        tx.execute("INSERT INTO ajuste VALUES ('demo', 'si') ON CONFLICT (clave) DO UPDATE SET valor = excluded.valor")

    rng = random.Random(semilla)
    por_nombre = {n: c for c, n, _ in ooads}
    por_numero = {num: c for c, _, num in ooads}
    pool = _productos_frecuentes(store, rng)
    anio = periodo.anio
    resumen = {"lineas": 0}

    def capturar(clave: str, n_unidades: int, finalizar: bool) -> None:
        cuenta = cuentas.obtener(store, clave)
        ciclo.declarar(store, cuenta, PERSONA_DEMO, anio, "SI")
        if clave == por_nombre.get("Chihuahua"):
            resumen["lineas"] += _chihuahua(store, cuenta, anio)
            n_unidades -= 2
        elif clave == por_nombre.get("Quintana Roo"):
            resumen["lineas"] += _quintana_roo(store, cuenta, anio)
            n_unidades = 0
        unidades = [
            u
            for (u,) in store.filas(
                "SELECT clave FROM unidad WHERE ooad = ? AND clave NOT IN (SELECT unidad FROM linea) ORDER BY clave",
                [clave],
            )
        ]
        for unidad in rng.sample(unidades, min(n_unidades, len(unidades))):
            filas = []
            for producto, ambito in rng.sample(pool, rng.randint(1, 6)):
                pacientes = int(rng.choice([2, 4, 5, 8, 10, 12, 15, 20, 25, 30, 40, 60, 80, 120, 250]))
                eventos = pacientes * rng.choice([1, 1, 1, 2, 3, 4])
                if rng.random() < 0.45:
                    filas.append(
                        captura.FilaCaptura(producto, exc_pacientes=pacientes, exc_eventos=eventos, exc_ambito=ambito)
                    )
                else:
                    filas.append(
                        captura.FilaCaptura(
                            producto,
                            fal_causa=rng.choice(captura.CAUSAS),
                            fal_pacientes=pacientes,
                            fal_eventos=eventos,
                            fal_ambito=ambito,
                        )
                    )
            resumen["lineas"] += captura.guardar(store, cuenta, PERSONA_DEMO, anio, unidad, filas).insertadas
        if finalizar:
            ciclo.finalizar(store, cuenta, PERSONA_DEMO, anio)

    def contestar_no(clave: str, finalizar: bool) -> None:
        cuenta = cuentas.obtener(store, clave)
        ciclo.declarar(store, cuenta, PERSONA_DEMO, anio, "NO")
        if finalizar:
            ciclo.finalizar(store, cuenta, PERSONA_DEMO, anio)

    for nombre, n in FINALIZADAS_SI.items():
        capturar(por_nombre[nombre], n, True)
    for nombre in FINALIZADAS_NO:
        contestar_no(por_nombre[nombre], True)
    for nombre, n in EN_CAPTURA_SI.items():
        capturar(por_nombre[nombre], n, False)
    for nombre in EN_CAPTURA_NO:
        contestar_no(por_nombre[nombre], False)
    for numero in UMAE_FINALIZADAS_SI:
        capturar(por_numero[numero], 1, True)
    for numero in UMAE_FINALIZADAS_NO:
        contestar_no(por_numero[numero], True)
    for numero in UMAE_EN_CAPTURA_SI:
        capturar(por_numero[numero], 1, False)
    if (carpeta := store.carpeta_datos()) is not None:
        # Paso 9 done too, so the tablero shows every colour of the semáforo: their own final
        # report stands in for the signed scan.
        from core.capture import reportes
        from core.lifecycle import firmados

        for nombre in FIRMADAS:
            cuenta = cuentas.obtener(store, por_nombre[nombre])
            folio, pdf = reportes.final(store, cuenta, anio, cuenta.ooad)
            firmados.subir(
                store,
                cuenta,
                PERSONA_DEMO,
                anio,
                cuenta.ooad,
                pdf,
                f"version_final_{cuenta.ooad}_firmada.pdf",
                directorio=carpeta,
            )
    resumen["periodo"] = anio
    resumen["lineas_anterior"] = _periodo_anterior(store, anio, pool, random.Random(semilla - 1))
    return resumen


def _guardar(store: Store, cuenta, anio: int, unidad: str, filas: list) -> int:
    """A demo save; an outlier warning is confirmed by the demo person, as a capturista would."""
    try:
        return captura.guardar(store, cuenta, PERSONA_DEMO, anio, unidad, filas).insertadas
    except ConfirmacionPendiente as exc:
        return captura.guardar(store, cuenta, PERSONA_DEMO, anio, unidad, filas, confirmados=exc.avisos).insertadas


def _fila(producto: str, tipo: str, ambito: str, causa: str | None, pacientes: int, eventos: int | None):
    if tipo == "Excedente":
        return captura.FilaCaptura(producto, exc_pacientes=pacientes, exc_eventos=eventos, exc_ambito=ambito)
    return captura.FilaCaptura(
        producto, fal_causa=causa, fal_pacientes=pacientes, fal_eventos=eventos, fal_ambito=ambito
    )


def _periodo_anterior(store: Store, anio: int, pool: list[tuple[str, str]], rng: random.Random) -> int:
    """The previous period, written a year back on the clock in one transaction (one checkpoint: the
    first start stays quick), finalized, then closed; last, the catalog change that followed it."""
    anterior = anio - 1
    momento = reloj.ahora() - dt.timedelta(days=365)
    ooads = store.filas("SELECT clave, nombre, numero FROM ooad ORDER BY numero")
    por_nombre = {n: c for c, n, _ in ooads}
    por_numero = {num: c for c, _, num in ooads}
    n_lineas = 0
    with store.transaction() as tx, reloj.fijado(momento):
        hoy = reloj.hoy()
        ciclo.crear_periodo_sistema(store, anterior, hoy - dt.timedelta(days=30), hoy + dt.timedelta(days=45))
        tx.execute(
            "INSERT INTO unidad (clave, ooad, tipo_unidad, nombre, cve_ent, cve_mun, municipio, localidad, lat, lon,"
            " ilustrativa) VALUES ($clave, $ooad, $tipo_unidad, $nombre, $cve_ent, $cve_mun, $municipio, $localidad,"
            " $lat, $lon, $ilustrativa)",
            UNIDAD_RETIRADA,
        )
        clave, esp, nombre_p, ambito_p = PRODUCTO_RETIRADO
        tx.execute(
            "INSERT INTO producto (clave, especialidad, nombre, ambito_default, origen, busqueda) VALUES (?, ?, ?, ?, 'curado', ?)",
            [clave, esp, nombre_p, ambito_p, normalizar(f"{clave} {nombre_p}")],
        )

        def capturar(ooad: str, n_unidades: int) -> None:
            nonlocal n_lineas
            cuenta = cuentas.obtener(store, ooad)
            ciclo.declarar(store, cuenta, PERSONA_DEMO, anterior, "SI")
            actuales: dict[str, list[tuple]] = {}
            for u, *linea in store.filas(
                "SELECT unidad, producto, tipo, ambito, causa, pacientes, eventos FROM linea"
                " WHERE anio = ? AND ooad = ? ORDER BY unidad, producto",
                [anio, ooad],
            ):
                actuales.setdefault(u, []).append(tuple(linea))
            guia = {}
            if ooad == por_nombre.get("Chihuahua"):  # the guide's units first; its hemodialysis a year earlier
                hemo = store.valor(
                    "SELECT clave FROM producto WHERE starts_with(nombre, 'Procedimiento de hemodiálisis con reuso')"
                )
                guia[_unidad(store, ooad, "HGZ 6,")] = _fila(
                    hemo, "Faltante", "Ambulatorio", "Carencia de Servicio", 200, 2400
                )
                actuales = {
                    u: actuales.pop(u) for u in (_unidad(store, ooad, "HGZ 35,"), *guia) if u in actuales
                } | actuales
            unidades = list(actuales)[:n_unidades]
            if len(unidades) < n_unidades:
                otras = [
                    u
                    for (u,) in store.filas("SELECT clave FROM unidad WHERE ooad = ? AND activa ORDER BY clave", [ooad])
                    if u not in actuales
                ]
                unidades += rng.sample(otras, min(n_unidades - len(unidades), len(otras)))
            for unidad in unidades:
                filas = {}
                for producto, tipo, ambito, causa, pacientes, eventos in actuales.get(unidad, []):
                    if rng.random() < 0.25:
                        continue  # reported this year only
                    if rng.random() < 0.5:
                        factor = rng.choice([0.5, 0.8, 1.25, 1.5])
                        nuevos = max(1, round(pacientes * factor))
                        eventos = None if eventos is None else max(nuevos, round(eventos * nuevos / pacientes))
                        pacientes = nuevos
                    filas[producto] = _fila(producto, tipo, ambito, causa, pacientes, eventos)
                for producto, ambito in rng.sample(pool, 1 if unidad in actuales else rng.randint(1, 4)):
                    if producto not in filas:  # reported last year only
                        pacientes = rng.choice([4, 5, 8, 10, 12, 15, 20, 25, 30, 40, 60])
                        tipo = "Excedente" if rng.random() < 0.45 else "Faltante"
                        causa = None if tipo == "Excedente" else rng.choice(captura.CAUSAS)
                        filas[producto] = _fila(producto, tipo, ambito, causa, pacientes, pacientes)
                if unidad in guia:
                    filas[guia[unidad].producto] = guia[unidad]
                n_lineas += _guardar(store, cuenta, anterior, unidad, list(filas.values()))
            if ooad == UNIDAD_RETIRADA["ooad"]:
                n_lineas += _guardar(
                    store,
                    cuenta,
                    anterior,
                    UNIDAD_RETIRADA["clave"],
                    [_fila(pool[0][0], "Excedente", pool[0][1], None, 12, 12)],
                )
                fila = _fila(clave, "Faltante", ambito_p, "Falta de Equipo", 40, 40)
                n_lineas += _guardar(store, cuenta, anterior, unidades[0], [fila])
            ciclo.finalizar(store, cuenta, PERSONA_DEMO, anterior)

        for nombre, n in ANTERIOR_SI.items():
            capturar(por_nombre[nombre], n)
        for numero in UMAE_ANTERIOR_SI:
            capturar(por_numero[numero], 1)
        for nombre in ANTERIOR_NO:
            cuenta = cuentas.obtener(store, por_nombre[nombre])
            ciclo.declarar(store, cuenta, PERSONA_DEMO, anterior, "NO")
            ciclo.finalizar(store, cuenta, PERSONA_DEMO, anterior)
        with reloj.fijado(momento + dt.timedelta(days=60)):
            ciclo.cerrar_periodo(store, cuentas.obtener(store, "admin"), anterior)
        tx.execute("UPDATE unidad SET activa = FALSE WHERE clave = ?", [UNIDAD_RETIRADA["clave"]])
        tx.execute("UPDATE producto SET activo = FALSE WHERE clave = ?", [clave])
    return n_lineas


def _productos_frecuentes(store: Store, rng: random.Random) -> list[tuple[str, str]]:
    """A shared pool, so that the same products show up as surplus in one place and shortage in another."""
    pool = []
    for (grupo,) in store.filas("SELECT clave FROM grupo ORDER BY orden"):
        claves = store.filas(
            "SELECT p.clave, p.ambito_default FROM producto p JOIN especialidad s ON s.clave = p.especialidad"
            " WHERE s.grupo = ? AND p.activo ORDER BY p.clave",
            [grupo],
        )
        pool.extend(rng.sample(claves, min(len(claves), 25)))
    return pool


def _unidad(store: Store, ooad: str, nombre_empieza: str) -> str:
    clave = store.valor(
        "SELECT clave FROM unidad WHERE ooad = ? AND starts_with(nombre, ?) ORDER BY clave LIMIT 1",
        [ooad, nombre_empieza],
    )
    if clave is None:
        raise LookupError(f"La unidad de demostración '{nombre_empieza}' no está en el catálogo de {ooad}.")
    return clave


def _producto(store: Store, nombre: str) -> str:
    clave = store.valor("SELECT clave FROM producto WHERE nombre = ? ORDER BY clave LIMIT 1", [nombre])
    if clave is None:
        raise LookupError(f"El producto de demostración «{nombre}» no está en el catálogo.")
    return clave


def _chihuahua(store: Store, cuenta, anio: int) -> int:
    """The guide's sample report: HGZ 6 (hemodialysis) and HGZ 35 (laboratory) in Ciudad Juárez."""
    hemo = store.valor(
        "SELECT clave FROM producto WHERE starts_with(nombre, 'Procedimiento de hemodiálisis con reuso')"
    )
    n = captura.guardar(
        store,
        cuenta,
        PERSONA_DEMO,
        anio,
        _unidad(store, cuenta.ooad, "HGZ 6,"),
        [
            captura.FilaCaptura(
                hemo, fal_causa="Carencia de Servicio", fal_pacientes=250, fal_eventos=2989, fal_ambito="Ambulatorio"
            ),
        ],
    ).insertadas
    filas = [
        captura.FilaCaptura(
            _producto(store, nombre), fal_causa=causa, fal_eventos=ev, fal_pacientes=pac, fal_ambito="Ambulatorio"
        )
        for nombre, causa, ev, pac in LABORATORIO_GUIA
    ]
    n += captura.guardar(store, cuenta, PERSONA_DEMO, anio, _unidad(store, cuenta.ooad, "HGZ 35,"), filas).insertadas
    return n


def _quintana_roo(store: Store, cuenta, anio: int) -> int:
    """The digital consultation pilot: follow-up consultations offered by video call."""
    remotos = [c for (c,) in store.filas("SELECT clave FROM producto WHERE remoto ORDER BY clave LIMIT 3")]
    n = 0
    for unidad in ("UMF 11,", "UMF 13,", "UMF 14,", "UMF 16,"):
        filas = [captura.FilaCaptura(p, exc_pacientes=60, exc_eventos=120, exc_ambito="Ambulatorio") for p in remotos]
        n += captura.guardar(store, cuenta, PERSONA_DEMO, anio, _unidad(store, cuenta.ooad, unidad), filas).insertadas
    return n
