-- Several processes on one database (PostgreSQL replicas, issue 13): what each process kept in its
-- own memory moves into the database.
-- `cambios`: one row, bumped by every write transaction just before it commits (the store's
-- transaction helper), so a reader that sees n sees every write counted in n: the key of the UI
-- caches and of the análisis snapshot (the highest audit id is not: PostgreSQL hands ids out at
-- insert time and commits them in any order).
CREATE TABLE cambios (id INTEGER PRIMARY KEY, n BIGINT NOT NULL);
INSERT INTO cambios VALUES (1, 0);
-- What the integrity check found, written by `core.cli preparar` on PostgreSQL and read by every
-- replica at start (on DuckDB the one process keeps its own findings in memory, as before).
CREATE TABLE hallazgo_integridad (
    n INTEGER PRIMARY KEY, tabla VARCHAR NOT NULL, clave VARCHAR NOT NULL, guardado VARCHAR NOT NULL,
    auditado VARCHAR NOT NULL, ooad VARCHAR, detalle VARCHAR NOT NULL, revisado TIMESTAMPTZ NOT NULL);
