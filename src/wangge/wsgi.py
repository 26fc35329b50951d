"""WSGI entry point for gunicorn (`wangge serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wangge.settings")
_django = get_wsgi_application()

from wangge.core.chunked import chunked_bodies  # noqa: E402  (needs the settings set up)

application = chunked_bodies(_django)  # chunked request bodies reach Django (core/chunked.py)
