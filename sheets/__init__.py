"""Shipped workbooks: the default China case and the script that builds it."""
