"""Which use case answers which parsed command. Each feature module lists its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers import admin, digest, enrollment, feedback, help, kudos, profile, sessions, volunteer
from handlers.context import Context
from handlers.types import Outcome, Reply

Route = Callable[[Context, Any], Awaitable[Reply | Outcome]]

ROUTES: dict[type, Route] = {
    **help.ROUTES,
    **kudos.ROUTES,
    **volunteer.ROUTES,
    **profile.ROUTES,
    **sessions.ROUTES,
    **enrollment.ROUTES,
    **feedback.ROUTES,
    **digest.ROUTES,
    **admin.ROUTES,
}
