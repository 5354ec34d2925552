"""A local helper module whose name another app also uses."""

NAME = "twin two"
