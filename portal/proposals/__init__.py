from flask import Blueprint

bp = Blueprint("proposals", __name__)  # the enterprise's own proposals
submissions_bp = Blueprint("submissions", __name__)  # the department's view of what it received
public_bp = Blueprint("receipts", __name__)  # receipt verification and permission-checked downloads
