"""Who is asking: the account (`permisos.Cuenta`), the permission checks every read and write
calls, login, lockout, server-side sessions and account administration."""
