-- Server-side sessions. The browser's cookie holds a random 256-bit token; only its SHA-256 is kept
-- here, so a copy of the database opens no session. Every script run checks the row: a session is
-- over once revoked (logout, password change or reset, disabled account) or idle for too long.
-- `activa` says the same as `revocada_en IS NULL`, but its update is non-NULL to non-NULL: a
-- revocation must survive DuckDB's WAL replay, which has lost NULL-to-value updates (STACK.md).
-- No secondary index: few rows per account, and an index makes DuckDB's updates costlier.
CREATE TABLE sesion (
    id VARCHAR PRIMARY KEY,              -- sha256(token), hex
    usuario VARCHAR NOT NULL,
    creada TIMESTAMPTZ NOT NULL,
    ultima_actividad TIMESTAMPTZ NOT NULL,
    activa BOOLEAN NOT NULL DEFAULT TRUE,
    revocada_en TIMESTAMPTZ,
    motivo VARCHAR,                      -- why it ended: cierre, inactividad, cambio de contraseña…
    CHECK (activa = (revocada_en IS NULL)));
