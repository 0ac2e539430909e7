-- Administración: reopen requests, receipt of the signed paper copy, login lockout.

-- An OOAD/UMAE asks the division to reopen its finalized capture (replaces the guide's e-mail).
-- `version` is the final version in force when it asked; the answer and its reason stay here.
CREATE SEQUENCE seq_solicitud_reapertura START 1;
CREATE TABLE solicitud_reapertura (
    id BIGINT PRIMARY KEY DEFAULT nextval('seq_solicitud_reapertura'),
    anio INTEGER NOT NULL, ooad VARCHAR NOT NULL, version INTEGER NOT NULL,
    motivo VARCHAR NOT NULL,
    solicitada_en TIMESTAMPTZ NOT NULL, solicitada_por VARCHAR NOT NULL, solicitada_persona VARCHAR,
    estado VARCHAR NOT NULL DEFAULT 'pendiente'
        CHECK (estado IN ('pendiente', 'concedida', 'rechazada')),
    respuesta VARCHAR, resuelta_en TIMESTAMPTZ, resuelta_por VARCHAR,
    CHECK ((estado = 'pendiente') = (resuelta_en IS NULL)));
CREATE INDEX idx_solicitud_ooad ON solicitud_reapertura (anio, ooad);

-- The signed paper copy of a final version, received by the division. A reopen makes a new
-- version, so the receipt of an earlier one stays as history and the tablero shows the current.
CREATE SEQUENCE seq_recepcion START 1;
CREATE TABLE recepcion (
    id BIGINT PRIMARY KEY DEFAULT nextval('seq_recepcion'),
    anio INTEGER NOT NULL, ooad VARCHAR NOT NULL, version INTEGER NOT NULL,
    recibida_el DATE NOT NULL, recibio VARCHAR NOT NULL, notas VARCHAR,
    registrada_en TIMESTAMPTZ NOT NULL, registrada_por VARCHAR NOT NULL);
CREATE INDEX idx_recepcion_ooad ON recepcion (anio, ooad);

-- Failed logins per account since its last success: drives the progressive wait and the lock.
-- State only; every attempt is also in the audit trail.
CREATE TABLE acceso_fallido (
    usuario VARCHAR PRIMARY KEY,
    fallos INTEGER NOT NULL DEFAULT 0,
    ultimo_fallo TIMESTAMPTZ,
    bloqueada_hasta TIMESTAMPTZ);
