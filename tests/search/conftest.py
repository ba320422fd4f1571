from tests.catalogue.conftest import create_product, sample_catalogue, search_index  # noqa: F401
