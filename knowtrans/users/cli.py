import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import with_appcontext

from knowtrans.core.errors import Refused
from knowtrans.extensions import db
from knowtrans.users.models import Role, UserKind
from knowtrans.users.operations import PasswordRefused, create_user, email_taken, normalise_email


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
    email = normalise_email(email)
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.ClickException(f"{email!r} is not a valid email address: {error}") from None
    if len(email) > 254:
        raise click.ClickException("The email address is longer than 254 characters.")
    name = name.strip()
    if not name or len(name) > 120 or any(ord(char) < 32 for char in name):
        raise click.ClickException(
            "The name must have between 1 and 120 characters and no control characters."
        )
    kind = UserKind.EXTERNAL if external else UserKind.INTERNAL
    if email_taken(email):  # the operation refuses it too, without naming the address
        raise click.ClickException(f"A user with the email {email} exists already.")
    try:
        user = create_user(
            email=email,
            name=name,
            password=password,
            roles=[Role(role) for role in roles],
            kind=kind,
        )
    except PasswordRefused as refusal:
        db.session.rollback()
        raise click.BadParameter(str(refusal), param_hint="'--password'") from None
    except Refused as refusal:
        db.session.rollback()
        raise click.ClickException(str(refusal)) from None
    db.session.commit()
    click.echo(f"Created user {user.id}: {user.email} ({', '.join(roles)}).")
