"""XFINANCES: the money side of a Bulgarian company."""

__version__ = "0.1.0"
