"""Figures are drawn on the UI side from the flows core returns."""

from __future__ import annotations

import pandas as pd

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
