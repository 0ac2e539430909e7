from core.base.texto import normalizar, slug


def test_normalizar_quita_acentos_mayusculas_y_espacios():
    assert normalizar("Cirugía ÓSEA  Ñandú") == "cirugia osea nandu"
    assert normalizar("  Hemodiálisis\t con\nreuso ") == "hemodialisis con reuso"
    assert normalizar("39.95 Hemodiálisis") == "39.95 hemodialisis"
    assert normalizar("") == ""
    assert normalizar(None) == ""


def test_normalizar_es_idempotente():
    texto = "Péptido citrulinado, anticuerpos anti (anti-ccp)."
    assert normalizar(normalizar(texto)) == normalizar(texto)


def test_slug():
    assert slug("Ciudad de México Sur") == "ciudad-de-mexico-sur"
    assert slug("Chihuahua") == "chihuahua"
    assert slug("UMAE HES CMN La Raza") == "umae-hes-cmn-la-raza"
    assert slug("UMAE HES No. 71 Torreón") == "umae-hes-no-71-torreon"
    assert slug("  Nuevo León ") == "nuevo-leon"
    assert slug("San Luis Potosí") == "san-luis-potosi"


def test_slug_solo_ascii():
    assert slug("Ñuñoa – Año ß") == "nunoa-ano"
    assert slug("¿?") == ""
