"""Sector follows: an enterprise picks the 七端 sectors it follows and hears of each new scenario in them."""

from flask import Blueprint

bp = Blueprint("follows", __name__)
