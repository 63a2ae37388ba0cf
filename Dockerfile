# Upstander: one bot process (`python -m bot run`). compose.yaml runs two on PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UPSTANDER_DATA_DIR=/data \
    PORT=3000

WORKDIR /app

# The dependencies alone first (installing the project's metadata, then removing the
# project itself): a change to the code reuses this layer.
COPY pyproject.toml README.md ./
COPY bot/__init__.py bot/__init__.py
RUN pip install . && pip uninstall --yes upstander && rm -rf build bot *.egg-info

# The bot runs from /app, where it finds its content and reading lists.
COPY bot ./bot
COPY scripts_content ./scripts_content
COPY resources.yaml ./

# A user of its own, never root; it owns the data directory and nothing else.
RUN groupadd --system --gid 10001 upstander \
    && useradd --system --uid 10001 --gid upstander --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin upstander \
    && mkdir -p /data && chown upstander:upstander /data && chmod 0700 /data
USER upstander

# The SQLite file (when UPSTANDER_DATABASE_URL is not set) and a generated key file live
# here; with PostgreSQL and UPSTANDER_SECRET_KEY set, nothing personal is written to it.
VOLUME ["/data"]
EXPOSE 3000

# /health answers 503 when the database does not: the container is then unhealthy.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('PORT', '3000') + '/health', timeout=4)"]

CMD ["python", "-m", "bot", "run"]
