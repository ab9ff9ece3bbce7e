"""`python -m msc_model` runs the CLI."""

from msc_model.cli import app

app(prog_name="msc")
