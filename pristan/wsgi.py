import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pristan.settings")
application = get_wsgi_application()

# Every server loads this module once per process (gunicorn under `pristan start`, `pristan runserver`):
# it refuses to serve with a keyring that does not open the key store, or a key store that is lost.
from pristan.keystore.integrity import keystore_verify  # noqa: E402 - needs the apps that the line above loads

keystore_verify()
