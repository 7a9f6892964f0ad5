"""Reading CloudWatch for lambherd's commands: ``metrics`` (GetMetricData queries of Lambda's
metrics) and ``logs`` (FilterLogEvents windows and follows).
"""
