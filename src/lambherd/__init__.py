"""lambherd: manage AWS Lambda functions as code."""

__version__ = "0.1.0"
