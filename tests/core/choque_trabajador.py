"""The child of the crash test: writes of every kind through core, each logged before and after.

Kept out of the test module so the forkserver can import it cheaply. Each write is logged as
`TRY <json>` before the call and `ACK` (returned) or `NACK` (refused by a rule) after it, one line
each, flushed at once: what the kernel holds survives the SIGKILL that ends this process.
"""

from __future__ import annotations

import json
import random

from core.accounts import cuentas
from core.base import reloj
from core.base.errors import ErrorDominio
from core.base.store import Store
from core.capture import captura, reportes
from core.capture.captura import FilaCaptura
from core.lifecycle import ciclo, reaperturas

LINEAS = "chihuahua"  # lines inserted, updated, deleted, switched Excedente <-> Faltante
DECLARA = "quintana-roo"  # declaration SI <-> NO (with its lines, when NO removes them)
CICLO = "umae-hes-cmn-siglo-xxi"  # finalize and reopen; signatories
CAUSAS = captura.CAUSAS


def leer(con, anio: int) -> dict:
    """Every piece of state the child writes, by key, read through any DuckDB connection."""
    estado: dict = {}
    for u, p, t, a, c, n, e in con.execute(
        "SELECT unidad, producto, tipo, ambito, causa, pacientes, eventos FROM linea WHERE anio = ?"
        " AND list_contains(?, ooad)",
        [anio, [LINEAS, DECLARA]],
    ).fetchall():
        estado[f"linea|{u}|{p}"] = [t, a, c, n, e]
    r = con.execute("SELECT respuesta FROM declaracion WHERE anio = ? AND ooad = ?", [anio, DECLARA]).fetchone()
    estado["declaracion"] = r[0] if r else None
    r = con.execute(
        "SELECT estado, version_final FROM declaracion WHERE anio = ? AND ooad = ?", [anio, CICLO]
    ).fetchone()
    estado["ciclo"] = list(r) if r else None
    estado["firmantes"] = [
        list(f)
        for f in con.execute(
            "SELECT nombre, cargo FROM firmante WHERE anio = ? AND ooad = ? ORDER BY orden", [anio, CICLO]
        ).fetchall()
    ]
    for usuario, h, activa, debe in con.execute(
        "SELECT usuario, hash, activa, debe_cambiar FROM cuenta WHERE list_contains(?, usuario)", [["analista", CICLO]]
    ).fetchall():
        estado[f"hash|{usuario}"] = h
        estado[f"activa|{usuario}"] = activa
        estado[f"debe_cambiar|{usuario}"] = debe
    return estado


def trabajar(ruta: str, bitacora: str, semilla: int, anio: int, hoy, bcrypt_costo: int, claves: dict) -> None:
    reloj.fijar(hoy)
    cuentas.BCRYPT_COSTO = bcrypt_costo
    rnd = random.Random(semilla)
    s = Store(ruta)
    out = open(bitacora, "a", encoding="utf-8", buffering=1)

    def log(tipo: str, cambios: dict | None = None) -> None:
        out.write(f"{tipo} {json.dumps(cambios or {}, ensure_ascii=False)}\n")
        out.flush()

    with s.cursor() as cur:
        actual = leer(cur, anio)
    admin = cuentas.obtener(s, "admin")
    c_lin, c_dec = cuentas.obtener(s, LINEAS), cuentas.obtener(s, DECLARA)
    unidades = [u for (u,) in s.filas("SELECT clave FROM unidad WHERE ooad = ? ORDER BY clave", [LINEAS])]
    unidad_dec = s.valor("SELECT clave FROM unidad WHERE ooad = ? ORDER BY clave LIMIT 1", [DECLARA])
    productos = [p for (p,) in s.filas("SELECT clave FROM producto WHERE activo ORDER BY clave")]

    def version(u: str, p: str):
        return s.valor("SELECT version FROM linea WHERE anio = ? AND unidad = ? AND producto = ?", [anio, u, p])

    def hacer(cambios: dict, accion) -> None:
        log("TRY", cambios)
        try:
            accion()
        except ErrorDominio as exc:
            log("NACK", {"error": str(exc)[:200]})
            return
        log("ACK", cambios)
        actual.update(cambios)

    log("READY")
    while True:
        k = rnd.random()
        if k < 0.55:  # a save of 1-3 lines of one unit: insert, update, delete, switch kind
            u = rnd.choice(unidades)
            filas, cambios = [], {}
            for p in rnd.sample(productos, rnd.randint(1, 3)):
                n = rnd.randint(1, 500)
                e = rnd.choice([None, n, n + rnd.randint(1, 50)])
                q, amb = rnd.random(), rnd.choice(captura.AMBITOS)
                if q < 0.45:
                    causa = rnd.choice(CAUSAS)
                    filas.append(
                        FilaCaptura(
                            p,
                            version(u, p),
                            fal_causa=causa,
                            fal_pacientes=str(n),
                            fal_eventos=None if e is None else str(e),
                            fal_ambito=amb,
                        )
                    )
                    cambios[f"linea|{u}|{p}"] = ["Faltante", amb, causa, n, e]
                elif q < 0.85:
                    filas.append(
                        FilaCaptura(
                            p,
                            version(u, p),
                            exc_pacientes=str(n),
                            exc_eventos=None if e is None else str(e),
                            exc_ambito=amb,
                        )
                    )
                    cambios[f"linea|{u}|{p}"] = ["Excedente", amb, None, n, e]
                else:
                    filas.append(FilaCaptura(p, version(u, p)))
                    cambios[f"linea|{u}|{p}"] = None
            hacer(cambios, lambda u=u, filas=filas: captura.guardar(s, c_lin, "Persona choque", anio, u, filas))
        elif k < 0.65:  # declaration SI <-> NO (NO removes the OOAD's lines), or a line under SI
            if actual["declaracion"] == "SI" and rnd.random() < 0.5:
                p = rnd.choice(productos)
                fila = FilaCaptura(p, version(unidad_dec, p), exc_pacientes="3", exc_ambito="Ambulatorio")
                hacer(
                    {f"linea|{unidad_dec}|{p}": ["Excedente", "Ambulatorio", None, 3, None]},
                    lambda fila=fila: captura.guardar(s, c_dec, "Persona choque", anio, unidad_dec, [fila]),
                )
            else:
                nueva = "NO" if actual["declaracion"] == "SI" else "SI"
                cambios = {"declaracion": nueva}
                if nueva == "NO":
                    cambios.update({k: None for k, v in actual.items() if k.startswith(f"linea|{unidad_dec}|") and v})
                n = sum(1 for k in cambios if k.startswith("linea|"))
                hacer(
                    cambios,
                    lambda nueva=nueva, n=n: ciclo.declarar(s, c_dec, "Persona choque", anio, nueva, lineas_a_borrar=n),
                )
        elif k < 0.75:  # finalize (a new final version) or reopen
            estado, v = actual["ciclo"]
            c_cic = cuentas.obtener(s, CICLO)
            if estado == ciclo.EN_CAPTURA:
                hacer(
                    {"ciclo": [ciclo.FINALIZADO, v + 1]}, lambda c=c_cic: ciclo.finalizar(s, c, "Persona choque", anio)
                )
            else:
                hacer(
                    {"ciclo": [ciclo.EN_CAPTURA, v]},
                    lambda: reaperturas.reabrir(s, admin, anio, CICLO, "Reapertura de la prueba de choque"),
                )
        elif k < 0.85:  # signatories
            lista = [
                [f"Firmante {rnd.randint(1, 999)}", rnd.choice(["Titular", "Coordinador", "Jefe"])]
                for _ in range(rnd.randint(1, 3))
            ]
            c_cic = cuentas.obtener(s, CICLO)
            hacer(
                {"firmantes": lista},
                lambda lista=lista, c=c_cic: reportes.guardar_firmantes(
                    s, c, "Persona choque", anio, [tuple(x) for x in lista]
                ),
            )
        elif k < 0.93 and not actual["activa|analista"]:  # a password change needs an enabled account
            hacer({"activa|analista": True}, lambda: cuentas.habilitar(s, admin, "analista"))
        elif k < 0.93:  # own password change
            nueva = f"clave-{rnd.randint(100000, 999999)}"
            c = cuentas.obtener(s, "analista")
            hacer(
                {"clave|analista": nueva, "debe_cambiar|analista": False},
                lambda nueva=nueva, c=c: cuentas.cambiar_password(s, c, claves["analista"], nueva, nueva),
            )
            if actual.get("clave|analista") == nueva:
                claves["analista"] = nueva
        elif k < 0.97:  # admin disables or enables an account
            activa = actual["activa|analista"]
            hacer(
                {"activa|analista": not activa},
                lambda activa=activa: (cuentas.deshabilitar if activa else cuentas.habilitar)(s, admin, "analista"),
            )
        else:  # admin reset: a one-time password, then the owner sets its own
            temporal: list[str] = []
            hacer(
                {"clave|" + CICLO: None, "debe_cambiar|" + CICLO: True},
                lambda t=temporal: t.append(cuentas.restablecer(s, admin, CICLO)),
            )
            if temporal:
                c = cuentas.obtener(s, CICLO)
                hacer(
                    {"clave|" + CICLO: "clave-de-prueba", "debe_cambiar|" + CICLO: False},
                    lambda c=c, t=temporal[0]: cuentas.cambiar_password(s, c, t, "clave-de-prueba", "clave-de-prueba"),
                )
