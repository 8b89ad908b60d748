"""The web dashboard: FastAPI + Jinja2 server-rendered pages, Vega-Lite charts, six languages.

An edge of Parity: it formats what :mod:`parity.core` computes and never computes a
statistic itself. Start it with ``parity serve`` or ``parity.web.app.create_app()``.
"""
