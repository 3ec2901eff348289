"""Thin Lambda handlers: parse the event, call ghstats' domain code, shape the answer."""
