"""Step handlers, one module per concern (see ``lambherd.apply.registry``)."""
