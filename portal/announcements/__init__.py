"""Decision (定榜), 公示 and objections (异议), and the final results (揭榜成功) of a reviewed scenario."""

from flask import Blueprint

bp = Blueprint("announcements", __name__)  # 公示 pages, objections, final results
manage_bp = Blueprint("announcement_manage", __name__)  # the owning department: decision, 公示, answers
