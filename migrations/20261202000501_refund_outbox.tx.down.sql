DROP TABLE refund_outbox;
