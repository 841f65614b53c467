"""Exports of an exercise to course platforms: PrairieLearn, Moodle, Canvas, Gradescope."""
