# The Learning Collaborative Bot: one image for the web process and the clock.
#   docker build -t collab-bot .
#   docker run --env-file .env -p 3000:3000 collab-bot web     (or: collab-bot clock)
# docker-compose.yml runs PostgreSQL, one web and one clock from it.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PORT=3000

WORKDIR /app

# Dependencies come pinned and hashed from requirements-runtime.lock (installed first, so the layer
# is cached until the lock changes); the package itself adds none. The psycopg binary wheel needs
# no compiler or libpq in the image.
COPY requirements-runtime.lock ./
RUN pip install --no-compile --require-hashes -r requirements-runtime.lock
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY jobs ./jobs
COPY storage ./storage
RUN pip install --no-compile --no-deps . \
    && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin collab \
    && mkdir -p /data && chown collab:collab /data

COPY --chmod=755 deploy/entrypoint.sh /usr/local/bin/collab-bot-entrypoint

USER collab
EXPOSE 3000
# /healthz answers 200 when the database answers, 503 otherwise (the clock service disables this).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/healthz', timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["collab-bot-entrypoint"]
CMD ["web"]
