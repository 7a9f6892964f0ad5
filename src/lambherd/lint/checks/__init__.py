"""The checks, one module per kind: definition (LH0xx), code (LH1xx), package (LH2xx),
configuration (LH3xx) and live (LH4xx). Each registers its functions with ``registry.check``."""
