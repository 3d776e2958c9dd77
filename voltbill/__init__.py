"""Voltbill: the `voltbill` command-line tool and the project-wide default paths."""
