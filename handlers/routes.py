"""Which use case answers which parsed command. Each feature module lists its own."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers import (
    admin,
    digest,
    enrollment,
    feedback,
    help,
    kudos,
    levels,
    mine,
    profile,
    programs,
    requests,
    session_edit,
    session_feedback,
    sessions,
    survey,
    trainers,
    volunteer,
    workload,
)
from handlers.context import Context
from handlers.types import Outcome, Reply

Route = Callable[[Context, Any], Awaitable[Reply | Outcome]]

FEATURES = (help, kudos, volunteer, profile, sessions, enrollment, feedback, digest, programs, requests, admin,
            session_edit, mine, session_feedback, trainers, levels, workload,
            survey)

ROUTES: dict[type, Route] = {command: route for feature in FEATURES for command, route in feature.ROUTES.items()}
