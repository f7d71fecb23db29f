"""The HTTP API (FastAPI), version 1. Thin: parse the request, call a use case, answer."""
