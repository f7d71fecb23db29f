"""How a document reaches one agency's e-office system.

An adapter *kind* is code, found through the ``gateway.adapters`` entry-point group; a configured
*instance* (URL, credentials, timeouts) is data in the database, one or more per agency. The
built-in ``pull`` kind is a delivery mode instead (the document waits in the agency's inbox), see
:mod:`adapters.registry`.
"""

from adapters.base import Adapter, AdapterResponse, OutboundDocument

__all__ = ["Adapter", "AdapterResponse", "OutboundDocument"]
