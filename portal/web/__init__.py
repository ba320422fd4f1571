"""Request plumbing: no domain rules here, and no import of a domain (an import contract in pyproject.toml).

unit_of_work (one commit per request), security (request cleaning, headers, Secure cookies), error_pages,
page_cache (public pages for anonymous visitors), templating, forms and paging shared by every domain's views,
views (guards and running an operation for a form), i18n (language choice), sqlite (its locking per request)
and serving (gunicorn's worker count and shared throttling).
"""
