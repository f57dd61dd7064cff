"""The stub's core: only ``network`` (the course's Network without backprop)."""
