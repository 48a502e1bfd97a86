"""The Builder place: models list, New model form, build view (steps, log, predict)."""
