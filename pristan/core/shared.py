"""Files that every application server and worker of an installation must find, whichever of them
wrote the file: the sealed uploads waiting for their import and the sealed export files waiting for
their one download. Several servers behind a load balancer mount one shared file system (NFS, a
cloud file share) at PRISTAN_SHARED_DIR; one machine keeps them in PRISTAN_VAR_DIR.

Each file there is sealed under a data key of the key store (core/sealed_file.py): the shared
storage holds ciphertext only, and a file whose key is destroyed no longer opens anywhere.
"""

from pathlib import Path

from django.conf import settings


def shared_directory(name: str) -> Path:
    """The directory `name` on the shared storage, made private to Pristan's user if new."""
    path = Path(settings.PRISTAN_SHARED_DIR or settings.VAR_DIR) / name
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path
