"""Operations on deployed functions: invoke, logs, metrics, test."""
