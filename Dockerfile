# The kgapi API image (docker-compose.yml builds it for the api and seed services).
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml constraints.txt README.md ./
COPY kgapi ./kgapi
COPY schema ./schema
COPY seed ./seed
RUN pip install --no-cache-dir -c constraints.txt -e .
EXPOSE 8000
CMD ["kgapi", "serve"]
