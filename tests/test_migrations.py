"""Migrations: empty → head matches the models, head → base → head, on SQLite and PostgreSQL;
SQLite's table rebuilds keep child rows."""

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

import config
from knowtrans import create_app
from knowtrans.extensions import db

POSTGRES_URL = os.environ.get("KNOWTRANS_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL.startswith("postgresql") else [])
#: the revision before the first batch rebuild of a parent table
BEFORE_REBUILDS = "d82c8ba2a244"


@pytest.fixture(params=BACKENDS)
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.db'}"
        return
    admin_url = sa.make_url(POSTGRES_URL)
    name = f"knowtrans_migrations_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture
def migrated_app(empty_database_url):
    settings = config.TestingConfig()
    settings.SQLALCHEMY_DATABASE_URI = empty_database_url
    app = create_app(settings)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


# SQLite cannot reflect the expression index on lower(skills.name); another test proves it.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based")
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_upgrade_to_head_matches_models(migrated_app):
    upgrade()
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_skill_names_are_unique_case_insensitively(migrated_app):
    upgrade()
    insert = sa.text(
        "INSERT INTO skills (name, category, description, archived, created_at)"
        " VALUES (:name, 'Cloud', '', false, CURRENT_TIMESTAMP)"
    )
    with db.engine.connect() as connection:
        connection.execute(insert, {"name": "Terraform modules"})
        with pytest.raises(sa.exc.IntegrityError):
            connection.execute(insert, {"name": "TERRAFORM modules"})


def test_downgrade_to_base_and_up_again(migrated_app):
    upgrade()
    downgrade(revision="base")
    tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
    upgrade()
    assert "handover_reports" in sa.inspect(db.engine).get_table_names()


CHILDREN = {"plan_items": 1, "assignments": 1, "learning_entries": 1, "level_confirmations": 1}


def _insert_a_plan_with_learning(connection) -> None:
    now = "2026-11-01 10:00:00"
    statements = [
        "INSERT INTO users (id, email, name, password_hash, kind, active, language, created_at)"
        " VALUES (1, 'e@example.com', 'E', 'x', 'external', true, 'en', :now),"
        " (2, 's@example.com', 'S', 'x', 'internal', true, 'en', :now)",
        "INSERT INTO skills (id, name, category, description, archived, created_at)"
        " VALUES (1, 'Kafka operations', 'Data', '', false, :now)",
        "INSERT INTO engagements (id, title, expert_id, client, project, start_date,"
        " planned_end_date, objectives, status, created_at, close_justification)"
        " VALUES (1, 'Kafka', 1, 'Data', '', '2026-10-01', '2026-12-01', '', 'active', :now, '')",
        "INSERT INTO plan_items (id, engagement_id, skill_id, target_level, criticality,"
        " handover_notes, created_at) VALUES (1, 1, 1, 3, 'high', '', :now)",
        "INSERT INTO assignments (id, plan_item_id, learner_id, learner_role, phase, created_at)"
        " VALUES (1, 1, 2, 'primary', 'shadowing', :now)",
        "INSERT INTO learning_entries (id, assignment_id, date, activity, minutes, learned,"
        " created_at, updated_at) VALUES (1, 1, '2026-10-02', 'pairing', 60, 'x', :now, :now)",
        "INSERT INTO level_confirmations (id, assignment_id, level, comment, confirmed_by_id,"
        " created_at) VALUES (1, 1, 3, '', 1, :now)",
    ]
    for statement in statements:
        connection.execute(sa.text(statement), {"now": now})


def _counts(connection) -> dict[str, int]:
    return {
        table: connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
        for table in CHILDREN
    }


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_migrations_keep_child_rows(migrated_app):
    upgrade(revision=BEFORE_REBUILDS)
    with db.engine.begin() as connection:
        _insert_a_plan_with_learning(connection)
    upgrade()
    downgrade(revision=BEFORE_REBUILDS)  # rebuilds the parent tables on SQLite
    upgrade()
    with db.engine.connect() as connection:
        assert _counts(connection) == CHILDREN


@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
def test_sqlite_tables_never_hand_out_an_id_twice(migrated_app):
    """Migrated and freshly created databases alike: every table with an integer id is
    AUTOINCREMENT on SQLite, so a deleted row's id is not given to the next row."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL's sequences never reuse an id")
    upgrade()
    with db.engine.connect() as connection:
        schema = dict(connection.execute(sa.text("SELECT name, sql FROM sqlite_master")).all())
    with_ids = [
        t.name for t in db.metadata.sorted_tables if [c.name for c in t.primary_key] == ["id"]
    ]
    assert len(with_ids) >= 11
    for name in with_ids:
        assert "PRIMARY KEY AUTOINCREMENT" in schema[name], name
    # the rebuild cannot reflect the expression index; the migration makes it again
    assert "lower(name)" in schema["uq_skills_name_lower"]
