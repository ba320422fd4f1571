"""Rows for the open-data API and the downloads of published lists: public to everyone, signed in or not."""

from tests.access import OK, everyone

ROWS = {
    "api.list_batches": ("GET", {}, everyone(OK)),
    "api.list_scenarios": ("GET", {"status": "published"}, everyone(OK)),
    "api.show_scenario": ("GET", {"scenario_id": "published_scenario"}, everyone(OK)),
    "api.list_results": ("GET", {}, everyone(OK)),
    "api.show_product": ("GET", {"product_id": "approved_product"}, everyone(OK)),
    "api.openapi_document": ("GET", {}, everyone(OK)),
    "scenarios.download_scenarios": ("GET", {"fmt": "xlsx", "batch": "published_batch"}, everyone(OK)),
    "announcements.results_xlsx": ("GET", {}, everyone(OK)),
}
