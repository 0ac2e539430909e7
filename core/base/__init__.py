"""The ground every part stands on: the store and its migrations, domain errors, the clock, text
rules, the audit trail, file paths, table exports and the sandboxed PDF check. Imports nothing
else from core."""
