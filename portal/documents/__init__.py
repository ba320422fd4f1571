"""Printable documents: the 申报书 of a submitted proposal version and the 首台（套）推广目录 for buyers, as PDF."""

from flask import Blueprint

bp = Blueprint("documents", __name__)
