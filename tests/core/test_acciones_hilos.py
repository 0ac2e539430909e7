"""The lifecycle rules read an OOAD/UMAE's state once per check without a lock shared by every check:
functools.cached_property (Python 3.11) held one, and under load on PostgreSQL a page waiting for a
pool connection inside it blocked the write transactions holding every other connection."""

from __future__ import annotations

import threading

from core.lifecycle import acciones


def test_leer_el_estado_de_una_ooad_no_espera_a_que_termine_otra_lectura(monkeypatch):
    entro, soltar, listo_b = threading.Event(), threading.Event(), threading.Event()

    def estado(store, anio, ooad):
        if ooad == "A":  # a read that waits (as for a pool connection)
            entro.set()
            soltar.wait(5)
        return f"estado de {ooad}"

    monkeypatch.setattr(acciones.estados, "estado", estado)
    a = acciones._Situacion(None, None, 2026, "A")
    b = acciones._Situacion(None, None, 2026, "B")
    hilo_a = threading.Thread(target=lambda: a.estado)
    hilo_b = threading.Thread(target=lambda: (b.estado, listo_b.set()))
    hilo_a.start()
    try:
        assert entro.wait(5)
        hilo_b.start()
        assert listo_b.wait(1), "B's state waited for A's read"
    finally:
        soltar.set()
        hilo_a.join(5)
        if hilo_b.is_alive() or hilo_b.ident:
            hilo_b.join(5)
    assert (a.estado, b.estado) == ("estado de A", "estado de B")
    assert "estado" in b.__dict__  # read once, then kept
