"""Reading YAML and JSON safely, with positions for error messages."""
