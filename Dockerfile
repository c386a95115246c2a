# ibkr-flex-ledger app image. Build: docker compose build (see docker-compose.yml).
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && useradd --system --create-home --uid 10001 flexledger

USER flexledger
ENV FLEXLEDGER_DATA_DIR=/home/flexledger/data \
    APPLICATION_HOST=0.0.0.0 \
    APPLICATION_PORT=8000
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4).status != 200)"

# Migrations are applied on start so a new image never serves an old schema.
CMD ["sh", "-c", "flexledger db upgrade && exec flexledger serve"]
