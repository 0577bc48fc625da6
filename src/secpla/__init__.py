"""SECPLA: the planning secretariat's platform for one Chilean municipality."""
