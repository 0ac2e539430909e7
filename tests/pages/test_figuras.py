"""Figures are drawn on the UI side from the flows core returns."""

from __future__ import annotations

import pandas as pd

from core.analysis import intercambio
from ui.components.vistas_analisis import figura_sankey


def test_sankey_etiqueta_en_espanol_y_suma_pacientes():
    estados = pd.DataFrame(
        {"origen": ["Estado 14", "Estado 14"], "destino": ["Estado 09", "Estado 19"], "pacientes": [7, 2]}
    )
    fig = figura_sankey(estados, 2026)
    sankey = fig.data[0]
    assert list(sankey.node.label) == ["Estado 14 (ofrece)", "Estado 09 (recibe)", "Estado 19 (recibe)"]
    assert list(sankey.link.value) == [7, 2]
    assert "Pacientes" in sankey.link.hovertemplate and "2026" in fig.layout.title.text


def test_sankey_agrupado_un_color_por_estado_y_totales_en_el_globo():
    estados = pd.DataFrame(
        {
            "origen": ["Michoacán", "México", "Jalisco", "Jalisco"],
            "destino": ["México", "Michoacán", "México", "Jalisco"],
            "pacientes": [9, 8, 3, 1],
        }
    )
    agrupado = intercambio.agrupar_estados(estados, 2)
    fig = figura_sankey(agrupado, 2026, estados)
    s = fig.data[0]
    etiquetas = list(s.node.label)
    assert etiquetas == [
        "México (ofrece)",
        "Michoacán (ofrece)",
        "Otros (ofrece)",
        "México (recibe)",
        "Michoacán (recibe)",
        "Otros (recibe)",
    ]
    color = dict(zip(etiquetas, s.node.color, strict=True))
    assert color["México (ofrece)"] == color["México (recibe)"] != color["Michoacán (recibe)"]
    assert color["Otros (ofrece)"] == color["Otros (recibe)"]
    # The hover's total is the state's over every flow; «Otros» counts what it holds.
    total = dict(zip(etiquetas, s.node.customdata, strict=True))
    assert total["México (recibe)"] == 12 and total["Otros (ofrece)"] == 4
    assert sum(s.link.value) == 21
