"""Sensor readings over MQTT: payload parsing, the ingest, the simulator and the embedded broker."""
