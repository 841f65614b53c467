"""Grading hand calculations: answer sheets, tolerance, carried-forward errors, named mistakes."""
