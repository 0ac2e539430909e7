"""The division's administration: catalog import, product requests, backups and restore, the
bitácora, and the start-up integrity check."""
