"""Every Flask extension instance, initialised by the app factory."""

from typing import TYPE_CHECKING

from flask_babel import Babel, lazy_gettext
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from knowtrans.core.db import Base

db = SQLAlchemy(model_class=Base)
if TYPE_CHECKING:  # Flask-SQLAlchemy makes db.Model at run time; for the type checker it is Base
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
#: e-mail, sent by jobs (knowtrans.core.mail)
mail = Mail()
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please sign in to continue.")
login_manager.login_message_category = "info"
#: storage from RATELIMIT_STORAGE_URI (memory by default; Redis for several workers or hosts)
limiter = Limiter(key_func=get_remote_address)
#: languages and time zones (knowtrans.core.i18n)
babel = Babel()
