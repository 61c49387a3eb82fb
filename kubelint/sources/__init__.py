"""From paths to documents: discovery, reading and YAML parsing with positions."""
