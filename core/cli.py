"""Command-line tasks: `python -m core.cli preparar | periodo | primer-admin | respaldar | restaurar`.

Run them with the server stopped: DuckDB lets one process hold the file. Against a database in
use, every command prints a Spanish message and exits with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import duckdb
import psycopg

from core import instalacion
from core.accounts import cuentas
from core.admin import integridad, respaldo
from core.base import rutas
from core.base.errors import CatalogoInvalido, ErrorDominio
from core.base.store import url_configurada
from core.lifecycle import ciclo


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.cli", description=__doc__)
    sub = parser.add_subparsers(dest="orden", required=True)
    p = sub.add_parser("preparar", help="crea data/ con la base, el catálogo y (salvo --sin-demo) la demostración")
    p.add_argument("--sin-demo", action="store_true")
    q = sub.add_parser("periodo", help="crea un periodo de captura y su ventana de registro")
    q.add_argument("anio", type=int)
    q.add_argument("--inicio", required=True, help="dd/mm/aaaa")
    q.add_argument("--fin", required=True, help="dd/mm/aaaa")
    a = sub.add_parser("primer-admin", help="sale del modo demostración: deja una sola cuenta admin")
    a.add_argument("--usuario", default="admin")
    r = sub.add_parser(
        "respaldar", help="copia la base y los reportes firmados a data/respaldos/<fecha>/ (servidor detenido)"
    )
    r.add_argument("--destino", type=Path, help="carpeta donde crear el respaldo (por omisión data/respaldos)")
    rs = sub.add_parser(
        "restaurar",
        help="reemplaza la base y los firmados por un respaldo (servidor detenido); sin argumento, lista los respaldos",
    )
    rs.add_argument("respaldo", nargs="?", help="carpeta del respaldo, o su nombre dentro de data/respaldos")
    args = parser.parse_args(argv)
    try:
        if args.orden == "preparar":
            nuevo = not url_configurada() and not rutas.ruta_base().exists()
            store = instalacion.abrir(con_demo=not args.sin_demo)
            if nuevo:
                print(f"Base creada en {rutas.ruta_base()}.")
            if instalacion.modo_demo(store):
                print("Modo demostración: cuentas de ejemplo con contraseña 'demo' (ver README).")
            _avisar_integridad(store)
            store.close()
        elif args.orden == "periodo":
            store = instalacion.abrir(con_demo=False)
            p = ciclo.crear_periodo_sistema(store, args.anio, _fecha(args.inicio), _fecha(args.fin))
            store.close()
            print(f"Periodo {p.anio} creado: registro {p.describir_ventana()}.")
        elif args.orden == "primer-admin":
            store = instalacion.abrir(con_demo=False)
            password = cuentas.crear_primer_admin(store, args.usuario)
            store.close()
            print(f"Modo demostración desactivado. Cuenta '{args.usuario}', contraseña de un solo uso: {password}")
            print("Guárdela ahora: no se vuelve a mostrar ni se guarda en claro.")
        elif args.orden == "respaldar":
            hecho = respaldo.respaldar_archivo(destino=args.destino)
            print(f"{hecho.describir()}\nCarpeta: {hecho.ruta}")
        elif args.orden == "restaurar":
            if not args.respaldo:
                disponibles = respaldo.listar_carpeta()
                if not disponibles:
                    print(f"No hay respaldos en {respaldo.carpeta()}.", file=sys.stderr)
                    return 2
                print("Respaldos disponibles (el más reciente primero):")
                for uno in disponibles:
                    print(f"  {uno.nombre}  {uno.describir()}")
                print("Restaure uno con: python -m core.cli restaurar <nombre>")
                return 2
            print(respaldo.restaurar(args.respaldo).describir())
    except ErrorDominio as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except CatalogoInvalido as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    except duckdb.Error as exc:
        print(
            f"Error: la base de datos {rutas.ruta_base()} no se pudo usar ({type(exc).__name__}: {exc}).",
            file=sys.stderr,
        )
        return 2
    except psycopg.Error as exc:  # EYF_DATABASE_URL: the PostgreSQL server refused or failed
        print(f"Error: la base de datos PostgreSQL no se pudo usar ({type(exc).__name__}: {exc}).", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"Error: no se pudo leer o escribir un archivo ({exc}).", file=sys.stderr)
        return 2
    return 0


def _avisar_integridad(store) -> None:
    """The app still starts on findings (the OOAD/UMAE they touch become read-only): say so loudly."""
    if getattr(store, "recuperacion", None):
        print(f"ATENCIÓN: {store.recuperacion}", file=sys.stderr)
    if not store.hallazgos:
        return
    print(f"ATENCIÓN: la revisión de integridad encontró {len(store.hallazgos):,} diferencia(s):", file=sys.stderr)
    for h in store.hallazgos[:20]:
        print(
            f"  {h.tabla} · {h.clave}: guardado [{h.guardado}] · bitácora [{h.auditado}] · {h.detalle}", file=sys.stderr
        )
    print(integridad.RESTAURAR, file=sys.stderr)


def _fecha(texto: str) -> dt.date:
    try:
        return dt.datetime.strptime(texto, "%d/%m/%Y").date()
    except ValueError:
        raise ErrorDominio(f"Fecha «{texto}» no válida: use dd/mm/aaaa.") from None


if __name__ == "__main__":
    sys.exit(main())
