"""Account commands: users and roles, passwords, API tokens, experts' invitations.

The CLI acts as the gateway's own administrator (whoever runs it holds the gateway's database and
keys already); every change is audited with actor ``cli``. Generated passwords and tokens are
printed once, to the terminal, and stored only as hashes.
"""

from __future__ import annotations

import json
import sys

import click

from gateway.cli.common import open_services
from gateway.domain.access import ROLE_LABELS, Principal, Role

CLI = Principal("", "cli", Role.ADMIN, system=True)
ROLES = click.Choice([r.value for r in Role])


def _stdin_line() -> str:
    return sys.stdin.readline().rstrip("\n")


@click.group()
def user() -> None:
    """Accounts (tài khoản) and their roles: operator, auditor, admin, agency, expert, portal."""


@user.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Full name (họ và tên).")
@click.option("--role", required=True, type=ROLES, help="What the account may do (see README).")
@click.option("--agency", "organ_id", default="", metavar="ORGAN_ID", help="For --role agency.")
@click.option("--portal", default="", metavar="NAME", help="For --role portal (e.g. nguoidan).")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input (else one is generated and printed once).",
)
def user_add(
    username: str, display_name: str, role: str, organ_id: str, portal: str, password_stdin: bool
) -> None:
    """Add an account. The first administrator is made this way:
    `gateway user add admin --name "Quản trị" --role admin`."""
    from gateway.service.accounts import NewUser, add_user

    password = _stdin_line() if password_stdin else None
    with open_services() as svc:
        made, generated = add_user(
            svc,
            NewUser(username, display_name, Role(role), organ_id, portal),
            by=CLI,
            password=password,
        )
    click.echo(f"added {made.username} ({ROLE_LABELS[made.role]})")
    if generated:
        click.echo(f"password (shown once, change it at first use): {generated}")
    if made.role is Role.PORTAL:
        click.echo(f"portal accounts use the API: gateway user token {made.username}")


@user.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def user_list(as_json: bool) -> None:
    """List the accounts."""
    from gateway.service.accounts import list_users

    with open_services() as svc:
        users = list_users(svc, by=CLI)
    rows = [
        {
            "username": u.username,
            "name": u.display_name,
            "role": u.role.value,
            "agency": u.organ_id,
            "portal": u.portal,
            "disabled": u.disabled,
        }
        for u in users
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        scope = r["agency"] or r["portal"]
        state = "  (disabled)" if r["disabled"] else ""
        click.echo(f"{r['username']:<24} {r['role']:<9} {scope:<16} {r['name']}{state}")
    if not rows:
        click.echo("no accounts: gateway user add USERNAME --name … --role admin")


@user.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """Disable an account: its sessions and API tokens stop working at once."""
    from gateway.service.accounts import set_disabled

    with open_services() as svc:
        set_disabled(svc, username, True, by=CLI)
    click.echo(f"disabled {username}")


@user.command("enable")
@click.argument("username")
def user_enable(username: str) -> None:
    """Enable a disabled account again (its old sessions stay ended)."""
    from gateway.service.accounts import set_disabled

    with open_services() as svc:
        set_disabled(svc, username, False, by=CLI)
    click.echo(f"enabled {username}")


@user.command("role")
@click.argument("username")
@click.argument("role", type=ROLES)
@click.option("--agency", "organ_id", default="", metavar="ORGAN_ID", help="For role agency.")
@click.option("--portal", default="", metavar="NAME", help="For role portal.")
def user_role(username: str, role: str, organ_id: str, portal: str) -> None:
    """Give USERNAME another ROLE: its sessions end, so the next login carries the new rights."""
    from gateway.service.accounts import set_role

    with open_services() as svc:
        changed = set_role(svc, username, Role(role), by=CLI, organ_id=organ_id, portal=portal)
    click.echo(f"{changed.username} is now {ROLE_LABELS[changed.role]}")


@user.command("reset-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the new password from stdin.")
def user_reset_password(username: str, password_stdin: bool) -> None:
    """Set a new password (generated and printed once unless read from stdin); the user's
    sessions end."""
    from gateway.service.accounts import reset_password

    given = _stdin_line() if password_stdin else None
    with open_services() as svc:
        password = reset_password(svc, username, by=CLI, password=given)
    click.echo("password reset" if given else f"new password (shown once): {password}")


@user.command("token")
@click.argument("username")
@click.option("--label", default="", help="What the token is for (e.g. the portal's server).")
def user_token(username: str, label: str) -> None:
    """Issue an API token for USERNAME (Authorization: Bearer …), printed once; it has the
    user's role and stops working when revoked or when the user is disabled."""
    from gateway.service.accounts import issue_token

    with open_services() as svc:
        token_id, token = issue_token(svc, username, label, by=CLI)
    click.echo(f"token {token_id} (revoke with: gateway user revoke-token {token_id})")
    click.echo(token)


@user.command("revoke-token")
@click.argument("token_id")
def user_revoke_token(token_id: str) -> None:
    """Revoke one API token: it stops working at once."""
    from gateway.service.accounts import revoke_token

    with open_services() as svc:
        revoke_token(svc, token_id, by=CLI)
    click.echo(f"revoked {token_id}")


@user.command("invite")
@click.argument("username")
@click.argument("petition_id")
@click.option("--days", default=30, show_default=True, help="How long the invitation lasts.")
def user_invite(username: str, petition_id: str, days: int) -> None:
    """Invite the expert USERNAME to PETITION_ID (an escalated petition): they may read its file,
    with personal data masked, and write an opinion, until the invitation ends."""
    from gateway.service.accounts import invite_expert

    with open_services() as svc:
        until = invite_expert(svc, username, petition_id, days=days, by=CLI)
    click.echo(f"invited {username} to {petition_id} until {until:%Y-%m-%d %H:%M} UTC")


COMMANDS = (user,)
