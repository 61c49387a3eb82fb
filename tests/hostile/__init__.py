"""Reproducers of hostile input (issue 15): each case builds its input and says what must happen."""
