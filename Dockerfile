FROM python:3.12-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv
COPY pyproject.toml requirements.lock README.md alembic.ini ./
COPY app ./app
COPY search ./search
COPY seed ./seed
COPY migrations ./migrations
RUN pip install --no-cache-dir -r requirements.lock . && useradd --system --uid 10001 api
USER api
EXPOSE 8000
CMD ["python", "-m", "app", "serve", "--host", "0.0.0.0", "--port", "8000"]
