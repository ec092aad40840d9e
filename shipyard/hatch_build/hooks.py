"""Hatch plugin registration (entry-point group ``hatch``).  Kept tiny and import-light."""
