"""The Powertools Logger, Metrics and Tracer shared by the handlers."""

from aws_lambda_powertools import Logger, Metrics, Tracer

from ghstats import names

logger = Logger(service=names.SERVICE)
metrics = Metrics(namespace=names.METRICS_NAMESPACE, service=names.SERVICE)
tracer = Tracer(service=names.SERVICE)
