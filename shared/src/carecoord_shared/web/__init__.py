"""The HTTP application shell every service is built on."""
