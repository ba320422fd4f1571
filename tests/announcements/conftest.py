# The 公示 tests start from the review tests' closed scenario, its bidders and its reviewers.
from tests.reviews.conftest import bidders, closed, department, proposals, reviewers  # noqa: F401
