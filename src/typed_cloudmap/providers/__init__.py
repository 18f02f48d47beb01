"""Providers: where bytes and etags live."""
