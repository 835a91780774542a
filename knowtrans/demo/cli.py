import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from knowtrans.core.clock import today as current_day
from knowtrans.demo.large import SCALES, seed_large
from knowtrans.demo.seed import (
    clear_database,
    database_has_data,
    login_emails,
    seed_demo,
)
from knowtrans.extensions import db
from knowtrans.users.models import Role, User
from knowtrans.users.operations import password_problem
from knowtrans.users.passwords import hash_password

DEFAULT_PASSWORD = "knowtrans-demo"


@click.command("seed-demo")
@click.option(
    "--password",
    default=DEFAULT_PASSWORD,
    show_default=True,
    help="Password for every demo user.",
)
@click.option(
    "--if-empty",
    is_flag=True,
    help="Seed only when the database has no users; otherwise do nothing and exit 0.",
)
@click.option(
    "--force",
    is_flag=True,
    help="DELETE ALL existing data (every user, engagement and log), then seed anew.",
)
@click.option(
    "--size",
    type=click.Choice(["small", *SCALES]),
    default="small",
    show_default=True,
    help="large adds 200 engagements, 560 users, 300 skills and 58,000 learning entries; "
    "huge ten times as many (a few minutes to seed).",
)
@with_appcontext
def seed_demo_command(password: str, if_empty: bool, force: bool, size: str) -> None:
    """Fill an empty database with a demo company.

    Refuses when the database already has users, unless --if-empty (skip quietly) or
    --force (wipe everything first) is given.
    """
    if if_empty and force:
        raise click.UsageError("Use either --if-empty or --force, not both.")
    problem = password_problem(password)
    if problem:
        raise click.BadParameter(problem, param_hint="'--password'")
    if database_has_data():
        if if_empty:
            click.echo("database already has data; not seeding")
            _echo_existing_logins()
            return
        if not force:
            raise click.ClickException(
                "The database already has data; not seeding. "
                "Use --force to delete ALL data and seed the demo anew."
            )
        clear_database()
        click.echo("Deleted all existing data (--force).")

    # hashing is deliberately slow: once for every demo user
    password_hash = hash_password(password)
    company = seed_demo(password_hash)
    db.session.commit()
    if size in SCALES:
        counts = seed_large(password_hash, current_day(), SCALES[size])
        db.session.commit()
        click.echo(
            f"{size.capitalize()} data set: {counts.engagements} engagements, "
            f"{counts.users} users, {counts.skills} skills, {counts.plan_items} plan items, "
            f"{counts.learning_entries} learning entries; the very large engagement is "
            f"{counts.big_engagement_id}."
        )

    click.echo(
        f"Demo data created: {len(company.users)} users, {len(company.skills)} skills, "
        f"{len(company.engagements)} engagements."
    )
    _echo_logins({role: company.login(role).email for role in Role}, password)


def _echo_logins(emails: dict[Role, str], password: str) -> None:
    click.echo("Demo logins:")
    for role, email in emails.items():
        click.echo(f"  {role.value:<8} {email:<32} {password}")


def _echo_existing_logins() -> None:
    """On a database seeded earlier, remind who to sign in as (if those users still exist)."""
    emails = login_emails()
    found = set(db.session.scalars(sa.select(User.email).where(User.email.in_(emails.values()))))
    if found == set(emails.values()):
        _echo_logins(emails, f"{DEFAULT_PASSWORD} (unless seeded with --password)")
