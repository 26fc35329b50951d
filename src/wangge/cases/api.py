"""REST endpoints of this app; thin, they call services."""

from ninja import Router

router = Router()
