import click
from flask.cli import with_appcontext

from knowtrans.auth.models import Role, UserKind
from knowtrans.extensions import db
from knowtrans.users.operations import create_user, email_taken


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True, help="Display name.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    type=click.Choice([role.value for role in Role]),
    help="A role; repeat for several.",
)
@click.option("--external", is_flag=True, help="An external expert rather than internal staff.")
@click.password_option(help="Password (asked for when not given).")
@with_appcontext
def create_user_command(email, name, roles, external, password):
    """Create a user account."""
    from flask import current_app

    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise click.ClickException(f"The password must have at least {minimum} characters.")
    if email_taken(email):
        raise click.ClickException(f"A user with the email {email.lower()} exists already.")
    user = create_user(
        email=email,
        name=name,
        password=password,
        roles=[Role(role) for role in roles],
        kind=UserKind.EXTERNAL if external else UserKind.INTERNAL,
    )
    db.session.commit()
    click.echo(f"Created user {user.id}: {user.email} ({', '.join(roles)}).")
