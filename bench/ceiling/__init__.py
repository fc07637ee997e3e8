"""A minimal Django project measuring this machine's ceilings (perf-baseline.md §2.1).

It never imports yimen: `GET /select` is one primary-key read, `POST /insert` one atomic insert, both
served the way Yimen is served (granian WSGI, 2 workers), with SQLite configured like Yimen's.
"""
