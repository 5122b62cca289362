"""Example Playbook plugins, as a third party would publish them."""
