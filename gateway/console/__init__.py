"""The operators' console (/console/): gateway/console/web.py."""
