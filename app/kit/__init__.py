"""Shared, domain-free helpers: pagination, ETags, rate limits, body limits."""
