"""The grammar's usage lines and help texts, shared by the parser and ``help``."""

from __future__ import annotations

USAGE: dict[str, str] = {
    "help": "help [command]  ·  help levels",
    "kudos": "kudos <@person>… <message> [#value …]  ·  kudos top [week|month|all]  ·  kudos optout|optin",
    "volunteer": (
        "volunteer [topic, topic …]  ·  volunteer status|pause|resume|stop  ·  volunteer done <step>  ·  "
        "volunteer capacity <sessions a month>|none"
    ),
    "me": "me",
    "sessions": "sessions [topic]  ·  sessions mine",
    "session": (
        'session new "<title>" <YYYY-MM-DD> <HH:MM> <minutes>m <seats> [#topic] [program <id>] [for trainers]  ·  '
        "session show|cancel|done <id>  ·  session attend <id> [<@person>…]  ·  session notes <id> <text>  ·  "
        'session edit <id> title "<title>" | when <YYYY-MM-DD> <HH:MM> | length <minutes>m | seats <n> | '
        "topic #<topic> | where <place or link> | program <id> | for trainers|everyone  ·  session feedback <id>"
    ),
    "trainers": "trainers [topic]",
    "signup": "signup <id>",
    "cancel": "cancel <id>",
    "feedback": "feedback <id> <1-5> [comment] [--anonymous]",
    "digest": "digest [week|month|quarter|year] [so far] [report]",
    "program": (
        'program new "<title>" [#topic]  ·  program show <id>  ·  program authors <id> <@person>…  ·  '
        "program link <id> <url>  ·  program refreshed <id> [what changed]"
    ),
    "programs": "programs [topic]",
    "request": "request <topic>[: why]",
    "requests": "requests [topic]",
    "survey": ("survey  ·  survey answer <1-5 per competency> [: comment]  ·  survey comment <text>  ·  "
               "survey results"),
    "admin": (
        "admin grant|revoke admin|leader <@person>…  ·  admin trainer pause|stop|activate <@person>…  ·  "
        "admin channel roundup|digest|milestones [#channel]  ·  admin schedule roundup <day> <HH:MM>  ·  "
        "admin schedule digest weekly|monthly|quarterly  ·  admin timezone <Area/City>  ·  "
        "admin level <@person> trainer|senior|lead|auto  ·  admin survey start  ·  "
        "admin kudos-emoji <name>  ·  admin kudos-limit <n>  ·  admin burnout <sessions>  ·  admin show  ·  "
        "admin set <setting> <value> (closeout-days <1-7>, guide <url|none>, external-rate <per hour>, "
        "internal-rate <per hour>, currency <ISO code>, prep-ratio <hours per hour>, headcount <employees>, "
        "refresh-months <1-60>, request-threshold <n>, repeat-limit <n>, competencies <a, b, c>)"
    ),
}

SUMMARY: dict[str, str] = {
    "help": "what Guild can do; `help levels` shows the career ladder",
    "kudos": "thank one or more people, or see the leaderboard",
    "volunteer": "become a trainer, add topics, pause or stop",
    "me": "your profile, numbers and onboarding progress",
    "sessions": "upcoming sessions, with sign-up buttons; `sessions mine` for your own",
    "session": "schedule, log, show, edit, cancel or finish a session; attendance, notes and feedback",
    "trainers": "who trains what: topics, sessions, learners and rating",
    "signup": "take a seat in a session (or join its waitlist)",
    "cancel": "give up your seat in a session",
    "feedback": "rate a session you attended",
    "digest": "preview the leadership digest, or get the one-pager file (admins and leaders)",
    "program": "start a training program, name its co-authors, link its materials, record a refresh",
    "programs": "training programs, their authors and how fresh their content is",
    "request": "ask for a session on a topic you want to learn (others join with +1)",
    "requests": "open topic requests, most wanted first",
    "survey": "rate yourself on the trainer competencies; `survey results` for admins and leaders",
    "admin": "roles, trainers, channels, schedules and settings (admins only)",
}
