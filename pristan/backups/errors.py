class BackupError(Exception):
    """A backup or a restore that cannot go on, as one translated sentence for the operator."""
