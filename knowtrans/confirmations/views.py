from flask import Blueprint

bp = Blueprint("confirmations", __name__)
