"""Connectors: where files live and how processes start (local machine for now)."""

from .local import LocalConnector

Connector = LocalConnector

__all__ = ["Connector", "LocalConnector"]
