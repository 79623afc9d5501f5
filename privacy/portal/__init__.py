"""The self-service portal: the signed-in person's own data, corrections, downloads and
requests (GDPR Art 15-21). Paths and names are in `urls`; scoping is in `access`."""
