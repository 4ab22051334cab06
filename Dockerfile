# Guild's container image: the app and its runtime dependencies on a slim Python, run as a non-root user.
#   docker build -t guild .
#   docker run --env-file .env -p 3000:3000 guild
# Production runs it beside PostgreSQL (compose.yaml) or on Kubernetes (deploy/k8s/).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# Dependencies first, so that a code change reuses this layer. Only the runtime pins: no test tools.
COPY requirements-runtime.txt ./
RUN pip install --no-cache-dir -r requirements-runtime.txt

# A fixed numeric uid (Kubernetes' runAsNonRoot checks it) that owns nothing but /data.
RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent guild \
    && mkdir /data && chown guild:guild /data

COPY . .

USER 10001:10001

# Without DATABASE_URL the image keeps SQLite in /data (mount a volume there); production sets PostgreSQL.
ENV HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:////data/guild.db
EXPOSE 3000
STOPSIGNAL SIGTERM

# Alive = the process serves and reaches the database. Readiness (/readyz) is the orchestrator's probe.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]

CMD ["python", "app.py", "serve"]
