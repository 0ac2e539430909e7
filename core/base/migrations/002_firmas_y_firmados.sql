-- Representatives who sign the final report (printed on it, not part of its folio).
CREATE TABLE firmante (
    anio INTEGER NOT NULL, ooad VARCHAR NOT NULL, orden INTEGER NOT NULL,
    nombre VARCHAR NOT NULL, cargo VARCHAR NOT NULL,
    actualizado_en TIMESTAMPTZ NOT NULL, actualizado_por VARCHAR NOT NULL,
    PRIMARY KEY (anio, ooad, orden));

-- Signed final reports uploaded in Paso 9. Files live under data/firmados/; a replacement keeps
-- the earlier rows (vigente = FALSE), so nothing uploaded is ever overwritten.
CREATE SEQUENCE seq_firmado START 1;
CREATE TABLE firmado (
    id BIGINT PRIMARY KEY DEFAULT nextval('seq_firmado'),
    anio INTEGER NOT NULL, ooad VARCHAR NOT NULL, version INTEGER NOT NULL,
    nombre_original VARCHAR NOT NULL, ruta VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
    bytes BIGINT NOT NULL, paginas INTEGER NOT NULL,
    folio_leido VARCHAR,           -- the folio found in the PDF's text, if any
    folio_coincide BOOLEAN,        -- NULL: no readable folio (a scan)
    subido_en TIMESTAMPTZ NOT NULL, subido_por VARCHAR NOT NULL, subido_persona VARCHAR,
    vigente BOOLEAN NOT NULL DEFAULT TRUE);
CREATE INDEX idx_firmado_ooad ON firmado (anio, ooad);
