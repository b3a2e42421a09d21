"""Search: one engine interface, index specs, a Meilisearch engine and a PostgreSQL engine.

Domain-free: documents arrive as plain dicts built by the app (app/indexing); nothing here imports app.
"""
