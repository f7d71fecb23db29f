"""Message transports: the port (``base``), the embedded database queue, RabbitMQ."""

from gateway.transport.base import Message, Received, Transport, outbound_queue

__all__ = ["Message", "Received", "Transport", "outbound_queue"]
