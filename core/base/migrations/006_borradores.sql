-- Unsaved Paso 6 edits (drafts), kept in the store until saved or discarded, so that a server
-- restart, an expired session or a closed window never drops what someone typed. One row per
-- period, account, person (the name given at login: an OOAD/UMAE's staff share one account), unit
-- and product. The values are the text as typed (checked only when saved); `version` is the saved
-- line's version when the grid loaded the row (NULL: there was no line), for the conflict check.
CREATE TABLE borrador (
    anio INTEGER NOT NULL, cuenta VARCHAR NOT NULL, persona VARCHAR NOT NULL,
    ooad VARCHAR NOT NULL, unidad VARCHAR NOT NULL, producto VARCHAR NOT NULL,
    exc_pacientes VARCHAR, exc_eventos VARCHAR, exc_ambito VARCHAR, fal_causa VARCHAR,
    fal_pacientes VARCHAR, fal_eventos VARCHAR, fal_ambito VARCHAR,
    version INTEGER,
    editado_en TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (anio, cuenta, persona, unidad, producto));
