"""Command-line tasks: `python -m core.cli preparar | primer-admin`.

Run them with the server stopped: DuckDB lets one process hold the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from core import ciclo, cuentas, instalacion
from core.errors import ErrorDominio


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
    args = parser.parse_args(argv)
    try:
        if args.orden == "preparar":
            nuevo = not instalacion.ruta_base().exists()
            store = instalacion.abrir(con_demo=not args.sin_demo)
            if nuevo:
                print(f"Base creada en {instalacion.ruta_base()}.")
            if instalacion.modo_demo(store):
                print("Modo demostración: cuentas de ejemplo con contraseña 'demo' (ver README).")
            store.close()
        elif args.orden == "periodo":
            store = instalacion.abrir(con_demo=False)
            p = ciclo.crear_periodo(store, None, args.anio, _fecha(args.inicio), _fecha(args.fin))
            store.close()
            print(f"Periodo {p.anio} creado: registro {p.describir_ventana()}.")
        elif args.orden == "primer-admin":
            store = instalacion.abrir(con_demo=False)
            password = cuentas.crear_primer_admin(store, args.usuario)
            store.close()
            print(f"Modo demostración desactivado. Cuenta '{args.usuario}', contraseña de un solo uso: {password}")
            print("Guárdela ahora: no se vuelve a mostrar ni se guarda en claro.")
    except ErrorDominio as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 2
    return 0


def _fecha(texto: str) -> dt.date:
    try:
        return dt.datetime.strptime(texto, "%d/%m/%Y").date()
    except ValueError:
        raise ErrorDominio(f"Fecha «{texto}» no válida: use dd/mm/aaaa.") from None


if __name__ == "__main__":
    sys.exit(main())
