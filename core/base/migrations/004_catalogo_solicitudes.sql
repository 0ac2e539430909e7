-- Requests for a product the catalog lacks ("producto no contemplado"), filed by an OOAD/UMAE from
-- Paso 6 and decided by an admin: accepted (the new product's key in `producto`) or declined
-- (the reason in `respuesta`). No secondary index: the table stays small, and DuckDB rewrites an
-- updated row, which an index on `estado` would make costlier.
CREATE SEQUENCE seq_solicitud_producto START 1;
CREATE TABLE solicitud_producto (
    id BIGINT PRIMARY KEY DEFAULT nextval('seq_solicitud_producto'),
    ooad VARCHAR NOT NULL, unidad VARCHAR, especialidad VARCHAR NOT NULL,
    nombre VARCHAR NOT NULL,
    ambito_default VARCHAR NOT NULL CHECK (ambito_default IN ('Ambulatorio', 'Hospitalario')),
    justificacion VARCHAR NOT NULL,
    estado VARCHAR NOT NULL DEFAULT 'pendiente' CHECK (estado IN ('pendiente', 'aceptada', 'rechazada')),
    solicitada_en TIMESTAMPTZ NOT NULL, solicitada_por VARCHAR NOT NULL, solicitada_persona VARCHAR,
    decidida_en TIMESTAMPTZ, decidida_por VARCHAR,
    respuesta VARCHAR,   -- the admin's note on acceptance, or the reason for declining
    producto VARCHAR,    -- key of the product created on acceptance
    CHECK ((estado = 'pendiente') = (decidida_en IS NULL)),
    CHECK (estado <> 'aceptada' OR producto IS NOT NULL),
    CHECK (estado <> 'rechazada' OR respuesta IS NOT NULL));
