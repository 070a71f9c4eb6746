"""Backups of the case database and, apart, of the key store; restoring them (`pristan backup`,
`pristan restore`). See README, "Backups and restore"."""
