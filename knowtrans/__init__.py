"""knowtrans: knowledge transfer from external IT experts, tracked and proven."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: object | None = None) -> Flask:
    """Build the application; ``config`` (an object or a dict) overrides the environment's."""
    from config import config_from_environment, engine_options, instance_dir

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(instance_dir()),
    )
    if isinstance(config, dict):
        app.config.from_object(config_from_environment())
        app.config.update(config)
    else:
        app.config.from_object(config or config_from_environment())
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )

    _init_extensions(app)
    from knowtrans.core.urls import DatabaseIdConverter

    app.url_map.converters["int"] = DatabaseIdConverter
    _register_blueprints(app)

    _init_request_pipeline(app)

    from knowtrans.cli import register_commands

    register_commands(app)
    return app


def _init_request_pipeline(app: Flask) -> None:
    """Templates, error pages, sessions, headers, budgets and the unit of work, in order."""
    from knowtrans import permissions
    from knowtrans.audit.queries import conflict_notice
    from knowtrans.auth.sessions import init_sessions
    from knowtrans.core.assets import init_assets
    from knowtrans.core.db import init_sqlite_pragmas
    from knowtrans.core.errorpages import init_error_pages
    from knowtrans.core.fragments import init_fragments
    from knowtrans.core.i18n import init_i18n
    from knowtrans.core.limits import init_limits
    from knowtrans.core.pipeline import init_pipeline
    from knowtrans.core.security import init_security
    from knowtrans.core.templating import init_templating
    from knowtrans.extensions import db
    from knowtrans.plans.models import LEVELS

    init_i18n(app)
    init_templating(app, permissions=permissions, LEVELS=LEVELS)
    init_error_pages(app)
    init_assets(app)
    init_sessions(app)
    init_security(app)
    init_limits(app)
    init_fragments(app)
    init_pipeline(app, conflict_notice=conflict_notice)
    with app.app_context():
        init_sqlite_pragmas(db.engine)


def _init_extensions(app: Flask) -> None:
    from knowtrans import models  # noqa: F401 - every model registered before use
    from knowtrans.extensions import csrf, db, limiter, login_manager, mail, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    _init_tasks(app)


def _init_tasks(app: Flask) -> None:
    """The queue's store from TASK_QUEUE_URL, and every feature's jobs registered with it."""
    from knowtrans.backup import tasks as backup_jobs  # noqa: F401 - registers its jobs
    from knowtrans.closing import tasks as closing_jobs  # noqa: F401 - registers its jobs
    from knowtrans.core import mail as mail_jobs  # noqa: F401 - registers its jobs
    from knowtrans.core.tasks import init_tasks
    from knowtrans.reports import tasks as report_jobs  # noqa: F401 - registers its jobs

    init_tasks(app)


def _register_blueprints(app: Flask) -> None:
    from knowtrans.auth.views import bp as auth_bp
    from knowtrans.closing.views import bp as closing_bp
    from knowtrans.confirmations.views import bp as confirmations_bp
    from knowtrans.dashboard.views import bp as dashboard_bp
    from knowtrans.engagements.views import bp as engagements_bp
    from knowtrans.health.views import bp as health_bp
    from knowtrans.learning.views import bp as learning_bp
    from knowtrans.plans.views import bp as plans_bp
    from knowtrans.reports.views import bp as reports_bp
    from knowtrans.skills.views import bp as skills_bp
    from knowtrans.users.views import bp as users_bp

    for blueprint in (
        auth_bp,
        dashboard_bp,
        users_bp,
        skills_bp,
        engagements_bp,
        plans_bp,
        learning_bp,
        confirmations_bp,
        closing_bp,
        reports_bp,
        health_bp,
    ):
        app.register_blueprint(blueprint)
