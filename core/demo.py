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
from core.base.store import Store
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
    return resumen


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
