-- Catalog: replaced by imports; no foreign keys (DuckDB rewrites updated rows as delete+insert,
-- which foreign keys refuse), references are checked by core/catalogo.py instead.
CREATE TABLE estado (
    cve_ent VARCHAR PRIMARY KEY, nombre VARCHAR NOT NULL, abreviatura VARCHAR,
    lat DOUBLE, lon DOUBLE);
CREATE TABLE ooad (
    clave VARCHAR PRIMARY KEY, numero INTEGER NOT NULL UNIQUE,
    tipo VARCHAR NOT NULL CHECK (tipo IN ('OOAD', 'UMAE')),
    nombre VARCHAR NOT NULL, nombre_largo VARCHAR, cve_ent VARCHAR, localidad VARCHAR,
    lat DOUBLE, lon DOUBLE);
CREATE TABLE unidad (
    clave VARCHAR PRIMARY KEY, ooad VARCHAR NOT NULL, tipo_unidad VARCHAR NOT NULL,
    nombre VARCHAR NOT NULL, cve_ent VARCHAR, cve_mun VARCHAR, municipio VARCHAR,
    localidad VARCHAR, lat DOUBLE, lon DOUBLE,
    ilustrativa BOOLEAN NOT NULL DEFAULT FALSE, activa BOOLEAN NOT NULL DEFAULT TRUE);
CREATE TABLE grupo (clave VARCHAR PRIMARY KEY, nombre VARCHAR NOT NULL, orden INTEGER);
CREATE TABLE especialidad (
    clave VARCHAR PRIMARY KEY, grupo VARCHAR NOT NULL, nombre VARCHAR NOT NULL, orden INTEGER);
CREATE TABLE producto (
    clave VARCHAR PRIMARY KEY, especialidad VARCHAR NOT NULL, nombre VARCHAR NOT NULL,
    ambito_default VARCHAR NOT NULL CHECK (ambito_default IN ('Ambulatorio', 'Hospitalario')),
    remoto BOOLEAN NOT NULL DEFAULT FALSE, origen VARCHAR,
    busqueda VARCHAR NOT NULL,  -- normalizar(clave || ' ' || nombre): case/accent-free search
    activo BOOLEAN NOT NULL DEFAULT TRUE);

-- Settings of this installation (demo mode, ...).
CREATE TABLE ajuste (clave VARCHAR PRIMARY KEY, valor VARCHAR);

-- Accounts: bcrypt hashes only. rol capturista belongs to exactly one OOAD/UMAE.
CREATE TABLE cuenta (
    usuario VARCHAR PRIMARY KEY, nombre VARCHAR NOT NULL,
    rol VARCHAR NOT NULL CHECK (rol IN ('capturista', 'analista', 'admin')),
    ooad VARCHAR, hash VARCHAR NOT NULL,
    activa BOOLEAN NOT NULL DEFAULT TRUE,
    debe_cambiar BOOLEAN NOT NULL DEFAULT FALSE,
    creada_en TIMESTAMPTZ NOT NULL,
    CHECK ((rol = 'capturista') = (ooad IS NOT NULL)));

-- A capture year and its registration window (both dates inclusive, Mexico City time).
CREATE TABLE periodo (
    anio INTEGER PRIMARY KEY, inicio DATE NOT NULL, fin DATE NOT NULL,
    cerrado BOOLEAN NOT NULL DEFAULT FALSE, cerrado_en TIMESTAMPTZ,
    CHECK (fin >= inicio));

-- Paso 2 answer and lifecycle state of one OOAD/UMAE in one period (no row: sin iniciar).
CREATE TABLE declaracion (
    anio INTEGER NOT NULL, ooad VARCHAR NOT NULL,
    respuesta VARCHAR CHECK (respuesta IN ('SI', 'NO')),
    estado VARCHAR NOT NULL CHECK (estado IN ('en captura', 'finalizado', 'firmado')),
    version_final INTEGER NOT NULL DEFAULT 0,
    actualizada_en TIMESTAMPTZ NOT NULL, actualizada_por VARCHAR NOT NULL,
    actualizada_persona VARCHAR,
    PRIMARY KEY (anio, ooad));

-- Captured lines. One line per (period, unit, product): the same product cannot be both
-- Excedente and Faltante at one unit. `version` grows on every change (optimistic locking).
CREATE SEQUENCE seq_linea START 1;
CREATE TABLE linea (
    id BIGINT PRIMARY KEY DEFAULT nextval('seq_linea'),
    anio INTEGER NOT NULL, ooad VARCHAR NOT NULL, unidad VARCHAR NOT NULL,
    producto VARCHAR NOT NULL,
    tipo VARCHAR NOT NULL CHECK (tipo IN ('Excedente', 'Faltante')),
    ambito VARCHAR NOT NULL CHECK (ambito IN ('Ambulatorio', 'Hospitalario')),
    causa VARCHAR CHECK (causa IN ('Carencia de Servicio', 'Falta de Equipo',
                                   'Falta de Insumos', 'Falta de Personal')),
    pacientes INTEGER NOT NULL CHECK (pacientes >= 1),
    eventos INTEGER CHECK (eventos >= pacientes),
    version INTEGER NOT NULL DEFAULT 1,
    modificada_en TIMESTAMPTZ NOT NULL, modificada_por VARCHAR NOT NULL,
    modificada_persona VARCHAR,
    CHECK (tipo = 'Excedente' OR causa IS NOT NULL),
    UNIQUE (anio, unidad, producto));

-- Immutable final versions (Paso 7): what was finalized, with names copied so that a later
-- catalog change never alters what was signed.
CREATE TABLE version_final (
    anio INTEGER NOT NULL, ooad VARCHAR NOT NULL, version INTEGER NOT NULL,
    respuesta VARCHAR NOT NULL, finalizada_en TIMESTAMPTZ NOT NULL,
    finalizada_por VARCHAR NOT NULL, finalizada_persona VARCHAR,
    unidades_total INTEGER NOT NULL, unidades_con INTEGER NOT NULL, lineas INTEGER NOT NULL,
    PRIMARY KEY (anio, ooad, version));
CREATE TABLE version_final_linea (
    anio INTEGER NOT NULL, ooad VARCHAR NOT NULL, version INTEGER NOT NULL,
    unidad VARCHAR NOT NULL, unidad_nombre VARCHAR NOT NULL,
    producto VARCHAR NOT NULL, producto_nombre VARCHAR NOT NULL,
    grupo_nombre VARCHAR NOT NULL, especialidad_nombre VARCHAR NOT NULL,
    tipo VARCHAR NOT NULL, ambito VARCHAR NOT NULL, causa VARCHAR,
    pacientes INTEGER NOT NULL, eventos INTEGER,
    PRIMARY KEY (anio, ooad, version, unidad, producto));

-- Append-only audit trail: written in the same transaction as the change it records.
CREATE SEQUENCE seq_auditoria START 1;
CREATE TABLE auditoria (
    id BIGINT PRIMARY KEY DEFAULT nextval('seq_auditoria'),
    en TIMESTAMPTZ NOT NULL, cuenta VARCHAR, persona VARCHAR, accion VARCHAR NOT NULL,
    anio INTEGER, ooad VARCHAR, unidad VARCHAR, objeto VARCHAR,
    antes VARCHAR, despues VARCHAR);  -- JSON text

CREATE INDEX idx_linea_ooad ON linea (anio, ooad);
CREATE INDEX idx_unidad_ooad ON unidad (ooad);
CREATE INDEX idx_producto_esp ON producto (especialidad);
