"""The SCIM layer: payload builders, the run namespace, response parsers, IdP dialects.

Pure: no I/O, no locust, no gevent.
"""
