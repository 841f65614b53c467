"""Printers of a run: terminal tables, JSON, Markdown and LaTeX. They format; they never compute."""
