DROP TABLE anomaly_resolutions;
