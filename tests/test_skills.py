"""The skill catalogue: list, search, filters, create, edit, archive and restore."""

import re

import pytest
import sqlalchemy as sa

from knowtrans.audit.models import AuditEvent
from knowtrans.core.errors import Refused
from knowtrans.extensions import db as _db
from knowtrans.skills import operations
from knowtrans.skills.models import Skill
from knowtrans.users.models import Role
from tests.conftest import csrf_token_from, row_count

VERSION_RE = re.compile(r'name="version"[^>]*value="([^"]*)"')


@pytest.fixture
def cto(make_user):
    return make_user(Role.CTO, name="Carla CTO")


@pytest.fixture
def as_cto(login_as, cto):
    return login_as(cto)


def html(response) -> str:
    return response.get_data(as_text=True).replace("&#34;", '"').replace("&#39;", "'")


def fresh(skill: Skill) -> Skill:
    _db.session.expire_all()
    return _db.session.get(Skill, skill.id)


def events(action: str) -> list[AuditEvent]:
    return list(_db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


def skill_named(name: str) -> Skill | None:
    return _db.session.scalar(sa.select(Skill).where(Skill.name == name))


def post_as_outsider(browser, url, data):
    """POST with a valid CSRF token taken from the 403 page (its sign-out form)."""
    token = csrf_token_from(html(browser.get(url)))
    return browser.client.post(url, data={"csrf_token": token, **data})


def skill_data(**overrides):
    data = {"name": "Kubernetes operations", "category": "Infrastructure", "description": ""}
    data.update(overrides)
    return data


def edit_data(browser, skill, **overrides):
    page = html(browser.get(f"/skills/{skill.id}/edit"))
    data = {
        "name": skill.name,
        "category": skill.category,
        "description": skill.description,
        "version": VERSION_RE.search(page).group(1),
    }
    data.update(overrides)
    return data


# --- access ----------------------------------------------------------------------------------


def test_anonymous_is_sent_to_login(client):
    response = client.get("/skills")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CTO, Role.IT_LEAD])
def test_managers_see_the_catalogue(login_as, make_user, make_skill, role):
    make_skill(name="Terraform")
    page = html(login_as(make_user(role)).get("/skills"))
    assert "Terraform" in page
    assert 'href="/skills"' in page


@pytest.mark.parametrize("role", [Role.STAFF, Role.EXPERT])
def test_other_roles_get_403_and_change_nothing(login_as, make_user, make_skill, role):
    skill = make_skill(name="Terraform", category="Infrastructure")
    archived = make_skill(name="CVS", category="Tools", archived=True)
    browser = login_as(make_user(role))
    for url in ("/skills", "/skills/new", f"/skills/{skill.id}/edit"):
        assert browser.get(url).status_code == 403, url
    skills_before = row_count(Skill)
    for url, data in (
        ("/skills/new", skill_data()),
        (f"/skills/{skill.id}/edit", skill_data(name="Renamed")),
        (f"/skills/{skill.id}/archive", {}),
        (f"/skills/{archived.id}/restore", {}),
    ):
        assert post_as_outsider(browser, url, data).status_code == 403, url
    assert row_count(Skill) == skills_before
    assert (fresh(skill).name, fresh(skill).archived) == ("Terraform", False)
    assert fresh(archived).archived is True
    assert row_count(AuditEvent) == 0


# --- list ------------------------------------------------------------------------------------


def test_empty_catalogue_says_what_to_do(as_cto):
    page = html(as_cto.get("/skills"))
    assert "The catalogue is empty" in page
    assert "Add the first skill" in page


def test_list_hides_archived_unless_asked(as_cto, make_skill):
    make_skill(name="Terraform")
    make_skill(name="CVS", archived=True)
    page = html(as_cto.get("/skills"))
    assert "Terraform" in page
    assert "CVS" not in page
    assert 'class="error"' not in page  # no filter chosen is not a bad filter
    page = html(as_cto.get("/skills?archived=1"))
    assert "CVS" in page
    assert "Archived" in page
    assert "Terraform" in page
    assert "CVS" not in html(as_cto.get("/skills?archived=0"))


def test_only_archived_skills_left_is_not_an_empty_catalogue(as_cto, make_skill):
    make_skill(name="CVS", archived=True)
    page = html(as_cto.get("/skills"))
    assert "The catalogue is empty" not in page
    assert "Show archived skills" in page


def test_search_name_and_description_case_insensitive(as_cto, make_skill):
    make_skill(name="PostgreSQL tuning")
    helm = make_skill(name="Helm charts")
    helm.description = "Packaging for Kubernetes deployments"
    _db.session.commit()
    page = html(as_cto.get("/skills?q=postgresql"))
    assert "PostgreSQL tuning" in page
    assert "Helm charts" not in page
    page = html(as_cto.get("/skills?q=KUBERNETES"))
    assert "Helm charts" in page
    assert "PostgreSQL tuning" not in page
    page = html(as_cto.get("/skills?q=_"))  # a literal underscore, not a wildcard
    assert "No skill matches these filters" in page


def test_category_filter_offers_existing_categories(as_cto, make_skill):
    make_skill(name="Terraform", category="Infrastructure")
    make_skill(name="Python", category="Languages")
    page = html(as_cto.get("/skills?category=Languages"))
    assert "Python" in page
    assert "Terraform" not in page
    assert '<option value="Infrastructure">Infrastructure</option>' in page
    assert re.search(
        r'<option selected value="Languages">|<option value="Languages" selected', page
    )


def test_pagination_keeps_filters(as_cto, make_skill, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n in range(5):
        make_skill(name=f"Net {n}", category="Network")
    make_skill(name="Python", category="Languages")
    first = html(as_cto.get("/skills?category=Network"))
    assert "Page 1 of 3" in first
    assert "Net 0" in first
    assert "Net 2" not in first
    assert "category=Network" in first
    last = html(as_cto.get("/skills?category=Network&page=3"))
    assert "Net 4" in last
    assert "Python" not in last


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=0",
        "page=-1",
        "page=123456789012345678901234567890",
        "category=Nope",
        "category=%00",
        "q=%00",
        "q=" + "y" * 500,
        "archived=banana",
    ],
)
def test_odd_query_strings_never_fail(as_cto, make_skill, query):
    make_skill(name="Terraform")
    response = as_cto.get(f"/skills?{query}")
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert as_cto.get(response.headers["Location"]).status_code == 200


def test_page_beyond_the_end_goes_to_the_last_page(as_cto, make_skill, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 1)
    make_skill(name="A")
    make_skill(name="B")
    response = as_cto.get("/skills?page=999&archived=1")
    assert response.status_code == 302
    assert "page=2" in response.headers["Location"]
    assert "archived=1" in response.headers["Location"]


def test_list_shows_plan_usage_with_bounded_queries(
    as_cto, make_skill, make_plan_item, count_queries
):
    used = make_skill(name="Terraform")
    make_plan_item(skill=used)
    make_plan_item(skill=used)
    with count_queries() as few:
        page = html(as_cto.get("/skills"))
    assert re.search(
        r"Terraform</a></th>.*?<td class=\"num\" data-label=\"Plan items\">2</td>", page, re.S
    )
    for n in range(15):
        make_plan_item(skill=make_skill(name=f"Skill {n}"))
    with count_queries() as many:
        as_cto.get("/skills")
    assert len(many) == len(few)


# --- create ----------------------------------------------------------------------------------


def test_create_skill(as_cto, cto, make_skill):
    make_skill(name="Python", category="Languages")
    form = html(as_cto.get("/skills/new"))
    assert 'list="skill-categories"' in form
    assert '<datalist id="skill-categories">' in form
    assert '<option value="Languages">' in form
    response = as_cto.post(
        "/skills/new",
        skill_data(name="  Go  ", category="Languages", description="Services in **Go**."),
    )
    assert response.status_code == 302
    skill = skill_named("Go")
    assert (skill.category, skill.description, skill.archived) == (
        "Languages",
        "Services in **Go**.",
        False,
    )
    [event] = events("skill.create")
    assert (event.actor_id, event.object_id) == (cto.id, skill.id)
    assert "Added Go to the catalogue." in html(as_cto.get("/skills"))


def test_it_lead_and_admin_may_create(login_as, make_user):
    for n, role in enumerate((Role.IT_LEAD, Role.ADMIN)):
        browser = login_as(make_user(role))
        response = browser.post("/skills/new", skill_data(name=f"Skill by {role}", category="X"))
        assert response.status_code == 302, n
    assert row_count(Skill) == 2


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": ""}, "Enter the skill's name."),
        ({"name": "   "}, "Enter the skill's name."),
        ({"name": "n" * 101}, "Field cannot be longer than 100 characters."),
        ({"name": "Bad\x00name"}, "Contains characters that are not allowed."),
        ({"category": ""}, "Enter a category, e.g. Databases."),
        ({"category": "c" * 61}, "Field cannot be longer than 60 characters."),
        ({"category": "Infra\x00"}, "Contains characters that are not allowed."),
        ({"description": "d" * 2001}, "Field cannot be longer than 2000 characters."),
        ({"description": "Nul \x00 here"}, "Contains characters that are not allowed."),
    ],
)
def test_create_rejects_bad_input(as_cto, overrides, message):
    response = as_cto.post("/skills/new", skill_data(**overrides))
    assert response.status_code == 200
    assert message in html(response)
    assert row_count(Skill) == 0
    assert row_count(AuditEvent) == 0


def test_create_keeps_what_was_typed(as_cto):
    response = as_cto.post(
        "/skills/new", skill_data(name="n" * 101, category="Cloud", description="Kept text")
    )
    page = html(response)
    assert 'value="Cloud"' in page
    assert "Kept text</textarea>" in page


@pytest.mark.parametrize("archived", [False, True])
def test_create_rejects_duplicate_name_case_insensitively(as_cto, make_skill, archived):
    make_skill(name="Terraform", archived=archived)
    response = as_cto.post("/skills/new", skill_data(name="TERRAFORM"))
    assert response.status_code == 200
    page = html(response)
    assert "A skill named “Terraform” exists already." in page
    assert ("restore it instead" in page) is archived
    assert row_count(Skill) == 1


@pytest.mark.parametrize(
    ("existing", "typed"),
    [
        ("Kubernetes operations", "  Kubernetes   operations "),
        ("Kubernetes operations", "Kubernetes operations\u200b"),
        ("Kubernetes operations", "\uff2bubernetes operations"),  # full-width K
        ("Übertragung SAP", "übertragung sap"),  # beyond ASCII: SQLite's lower() is ASCII
    ],
    ids=["spaces", "zero-width space", "full-width letter", "non-ASCII case"],
)
def test_create_rejects_names_that_only_look_different(as_cto, make_skill, existing, typed):
    make_skill(name=existing)
    response = as_cto.post("/skills/new", skill_data(name=typed))
    assert response.status_code == 200
    assert f"A skill named “{existing}” exists already." in html(response)
    assert row_count(Skill) == 1


def test_a_category_differing_only_in_case_takes_the_existing_spelling(as_cto, make_skill):
    make_skill(name="Vault", category="Security")
    response = as_cto.post("/skills/new", skill_data(name="Keycloak", category="security"))
    assert response.status_code == 302
    assert {skill.category for skill in _db.session.scalars(sa.select(Skill))} == {"Security"}


def test_renaming_to_an_archived_skill_says_to_choose_another_name(as_cto, make_skill):
    make_skill(name="Terraform", archived=True)
    skill = make_skill(name="OpenTofu")
    response = as_cto.post(f"/skills/{skill.id}/edit", edit_data(as_cto, skill, name="terraform"))
    page = html(response)
    assert "It is archived; choose another name." in page
    assert "restore it instead" not in page


def test_create_survives_a_race_on_the_unique_index(as_cto, make_skill, monkeypatch):
    """Another request took the name between the check and the insert."""
    make_skill(name="Terraform")
    monkeypatch.setattr("knowtrans.skills.forms.skill_named", lambda *a, **k: None)
    response = as_cto.post("/skills/new", skill_data(name="terraform"))
    assert response.status_code == 200
    assert "A skill named “Terraform” exists already." in html(response)
    assert row_count(Skill) == 1
    assert row_count(AuditEvent) == 0


def test_create_needs_csrf(as_cto):
    assert as_cto.client.post("/skills/new", data=skill_data()).status_code == 400
    assert row_count(Skill) == 0


# --- edit ------------------------------------------------------------------------------------


def test_edit_skill(as_cto, cto, make_skill):
    skill = make_skill(name="Terraform", category="Infrastructure")
    page = html(as_cto.get(f"/skills/{skill.id}/edit"))
    assert 'value="Terraform"' in page
    response = as_cto.post(
        f"/skills/{skill.id}/edit",
        edit_data(as_cto, skill, name="OpenTofu", category="IaC", description="The fork."),
    )
    assert response.status_code == 302
    skill = fresh(skill)
    assert (skill.name, skill.category, skill.description) == ("OpenTofu", "IaC", "The fork.")
    [event] = events("skill.update")
    assert event.actor_id == cto.id
    assert "name Terraform → OpenTofu" in event.summary


def test_a_save_without_changes_says_so_and_records_nothing(as_cto, make_skill):
    skill = make_skill(name="Terraform", category="Infrastructure")
    version = skill.version
    response = as_cto.post(f"/skills/{skill.id}/edit", edit_data(as_cto, skill))
    assert response.status_code == 302
    assert "Nothing was changed on Terraform." in html(as_cto.get(response.headers["Location"]))
    assert fresh(skill).version == version
    assert events("skill.update") == []


def test_edit_may_change_case_of_own_name(as_cto, make_skill):
    skill = make_skill(name="terraform")
    response = as_cto.post(f"/skills/{skill.id}/edit", edit_data(as_cto, skill, name="Terraform"))
    assert response.status_code == 302
    assert fresh(skill).name == "Terraform"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"name": "ANSIBLE"}, "A skill named “Ansible” exists already."),
        ({"name": ""}, "Enter the skill's name."),
        ({"name": "x" * 101}, "Field cannot be longer than 100 characters."),
        ({"category": ""}, "Enter a category, e.g. Databases."),
        ({"description": "x\x00"}, "Contains characters that are not allowed."),
        ({"description": "x" * 2001}, "Field cannot be longer than 2000 characters."),
    ],
)
def test_edit_rejects_bad_input(as_cto, make_skill, overrides, message):
    make_skill(name="Ansible")
    skill = make_skill(name="Terraform", category="Infrastructure")
    response = as_cto.post(f"/skills/{skill.id}/edit", edit_data(as_cto, skill, **overrides))
    assert response.status_code == 200
    assert message in html(response)
    assert (fresh(skill).name, fresh(skill).category) == ("Terraform", "Infrastructure")
    assert events("skill.update") == []


def test_edit_survives_a_race_on_the_unique_index(as_cto, make_skill, monkeypatch):
    make_skill(name="Ansible")
    skill = make_skill(name="Terraform")
    data = edit_data(as_cto, skill, name="ansible")
    monkeypatch.setattr("knowtrans.skills.forms.skill_named", lambda *a, **k: None)
    response = as_cto.post(f"/skills/{skill.id}/edit", data)
    assert response.status_code == 200
    assert "A skill named “Ansible” exists already." in html(response)
    assert fresh(skill).name == "Terraform"


def test_edit_does_not_silently_overwrite_a_concurrent_change(as_cto, make_skill):
    skill = make_skill(name="Terraform")
    stale = edit_data(as_cto, skill, description="Mine")
    skill.description = "Theirs"
    _db.session.commit()

    response = as_cto.post(f"/skills/{skill.id}/edit", stale)
    assert response.status_code == 200
    page = html(response)
    assert "Someone else saved this skill while you were editing." in page
    assert "Mine</textarea>" in page
    assert fresh(skill).description == "Theirs"

    again = dict(stale, version=VERSION_RE.search(page).group(1))
    assert as_cto.post(f"/skills/{skill.id}/edit", again).status_code == 302
    assert fresh(skill).description == "Mine"


def test_two_clients_editing_a_skill(as_cto, cto, login_as, make_user, make_skill):
    skill = make_skill(name="Terraform", category="Infrastructure")
    lead = make_user(Role.IT_LEAD, name="Lena Lead")
    as_lead = login_as(lead)
    mine = edit_data(as_cto, skill, name="OpenTofu", description="The open fork.")
    theirs = edit_data(as_lead, skill, category="IaC", description="Lena's words.")
    assert as_lead.post(f"/skills/{skill.id}/edit", theirs).status_code == 302

    response = as_cto.post(f"/skills/{skill.id}/edit", mine)

    assert response.status_code == 200
    page = html(response)
    assert "Lena Lead saved this skill on" in page
    assert (
        "What changed: Updated skill Terraform: category Infrastructure → IaC; description." in page
    )
    assert 'value="OpenTofu"' in page  # what the CTO typed, kept
    assert "The open fork.</textarea>" in page
    assert "<dd>Lena's words.</dd>" in page  # the saved version
    saved = fresh(skill)
    assert (saved.name, saved.category, saved.description) == ("Terraform", "IaC", "Lena's words.")
    assert [event.actor_id for event in events("skill.update")] == [lead.id]

    again = dict(mine, version=VERSION_RE.search(page).group(1))
    assert as_cto.post(f"/skills/{skill.id}/edit", again).status_code == 302
    saved = fresh(skill)
    assert (saved.name, saved.category, saved.description) == (
        "OpenTofu",
        "Infrastructure",
        "The open fork.",
    )
    assert saved.version == 3
    assert sorted(event.actor_id for event in events("skill.update")) == sorted([lead.id, cto.id])


def test_archiving_meanwhile_is_a_conflict_too(as_cto, make_skill):
    skill = make_skill(name="Terraform")
    stale = edit_data(as_cto, skill, description="Mine")
    assert as_cto.post(f"/skills/{skill.id}/archive", form_url="/skills").status_code == 302

    response = as_cto.post(f"/skills/{skill.id}/edit", stale)
    assert response.status_code == 200
    assert "You saved this skill on" in html(response)
    assert "What changed: Archived skill Terraform." in html(response)
    assert fresh(skill).description == ""


def test_skill_save_racing_between_check_and_write_is_a_conflict(as_cto, make_skill, monkeypatch):

    skill = make_skill(name="Terraform")
    data = edit_data(as_cto, skill, description="Mine")
    check_version = operations.check_version

    def check_then_lose_the_race(obj, submitted):
        check_version(obj, submitted)
        table = Skill.__table__
        with _db.engine.begin() as connection:
            connection.execute(
                sa.update(table)
                .where(table.c.id == obj.id)
                .values(version=table.c.version + 1, description="Won the race.")
            )

    monkeypatch.setattr(operations, "check_version", check_then_lose_the_race)
    response = as_cto.post(f"/skills/{skill.id}/edit", data)
    assert response.status_code == 200
    page = html(response)
    assert "Mine</textarea>" in page
    assert "<dd>Won the race.</dd>" in page
    assert VERSION_RE.search(page).group(1) == "2"
    assert fresh(skill).description == "Won the race."
    assert events("skill.update") == []


def test_unknown_skill_is_404(as_cto):
    assert as_cto.get("/skills/424242/edit").status_code == 404
    for action in ("archive", "restore"):
        response = as_cto.post(f"/skills/424242/{action}", form_url="/skills")
        assert response.status_code == 404


# --- archive and restore ---------------------------------------------------------------------


def test_archive_and_restore(as_cto, cto, make_skill):
    skill = make_skill(name="Terraform")
    response = as_cto.post(
        f"/skills/{skill.id}/archive", {"next": "/skills?q=terra"}, form_url="/skills"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/skills?q=terra"
    assert fresh(skill).archived is True
    assert events("skill.archive")[0].actor_id == cto.id
    page = html(as_cto.get(f"/skills/{skill.id}/edit"))
    assert "This skill is archived" in page
    assert "Restore" in page

    response = as_cto.post(f"/skills/{skill.id}/restore", form_url="/skills")
    assert response.status_code == 302
    assert response.headers["Location"] == "/skills"
    assert fresh(skill).archived is False
    assert len(events("skill.restore")) == 1


def test_archived_skill_stays_on_existing_plans(as_cto, make_skill, make_plan_item):
    item = make_plan_item(skill=make_skill(name="Terraform"))
    as_cto.post(f"/skills/{item.skill_id}/archive", form_url="/skills")
    _db.session.expire_all()
    assert item.skill.archived is True
    assert item.skill.name == "Terraform"


def test_archive_twice_records_one_event(as_cto, make_skill):
    skill = make_skill()
    for _ in range(2):
        as_cto.post(f"/skills/{skill.id}/archive", form_url="/skills")
    as_cto.post(f"/skills/{skill.id}/restore", form_url="/skills")
    as_cto.post(f"/skills/{skill.id}/restore", form_url="/skills")
    assert len(events("skill.archive")) == 1
    assert len(events("skill.restore")) == 1


def test_archive_is_post_only_with_csrf(as_cto, make_skill):
    skill = make_skill()
    assert as_cto.get(f"/skills/{skill.id}/archive").status_code == 405
    assert as_cto.client.post(f"/skills/{skill.id}/archive").status_code == 400
    assert fresh(skill).archived is False


def test_archive_ignores_foreign_next(as_cto, make_skill):
    skill = make_skill()
    response = as_cto.post(
        f"/skills/{skill.id}/archive", {"next": "https://evil.example/"}, form_url="/skills"
    )
    assert response.headers["Location"] == "/skills"


# --- the operations' rules, without the forms -----------------------------------------------


@pytest.mark.parametrize("archived", [False, True])
def test_create_skill_refuses_a_name_the_catalogue_has(db, cto, make_skill, archived):
    make_skill(name="Übertragung SAP", archived=archived)
    with pytest.raises(Refused) as refusal:
        operations.create_skill(name="übertragung sap", category="ERP", description="", actor=cto)
    assert str(refusal.value).startswith("A skill named “Übertragung SAP” exists already.")
    assert refusal.value.field == "name"
    assert ("restore it instead" in str(refusal.value)) is archived
    _db.session.rollback()
    assert row_count(Skill) == 1


def test_update_skill_refuses_another_skills_name(db, cto, make_skill):
    make_skill(name="Terraform", archived=True)
    skill = make_skill(name="OpenTofu")
    with pytest.raises(Refused, match=re.escape("It is archived; choose another name.")) as refusal:
        operations.update_skill(
            skill, name="TERRAFORM", category="IaC", description="", version=1, actor=cto
        )
    assert refusal.value.field == "name"
    _db.session.rollback()
    assert fresh(skill).name == "OpenTofu"
    operations.update_skill(
        skill, name="opentofu", category="IaC", description="", version=1, actor=cto
    )  # its own name in another case
    _db.session.commit()
    assert fresh(skill).name == "opentofu"


def test_a_name_taken_past_the_check_is_refused_by_the_index(db, cto, make_skill, monkeypatch):
    """Another request took the name after the operation looked: the unique index refuses."""
    make_skill(name="Terraform")
    skill = make_skill(name="Ansible")
    monkeypatch.setattr(operations, "skill_named", lambda *a, **k: None)
    with pytest.raises(Refused) as refusal:
        operations.create_skill(name="terraform", category="IaC", description="", actor=cto)
    assert str(refusal.value) == "A skill named “terraform” exists already."
    assert refusal.value.field == "name"
    _db.session.rollback()
    with pytest.raises(Refused, match=re.escape("A skill named “TERRAFORM” exists already.")):
        operations.update_skill(
            skill, name="TERRAFORM", category="IaC", description="", version=1, actor=cto
        )
    _db.session.rollback()
    assert row_count(Skill) == 2
    assert fresh(skill).name == "Ansible"
    assert row_count(AuditEvent) == 0


def test_archive_and_restore_change_nothing_when_so_already(db, cto, make_skill):
    skill = make_skill(name="Terraform")
    assert operations.restore_skill(skill, actor=cto) is False
    assert operations.archive_skill(skill, actor=cto) is True
    assert operations.archive_skill(skill, actor=cto) is False
    assert operations.restore_skill(skill, actor=cto) is True
    assert [len(events("skill.archive")), len(events("skill.restore"))] == [1, 1]


def test_editing_from_a_filtered_list_goes_back_to_it(as_cto, make_skill):
    skill = make_skill(name="Terraform", category="Infrastructure")
    listing = "/skills?q=terra"
    page = html(as_cto.get(listing))
    edit_url = (
        re.search(r'href="(/skills/\d+/edit\?next=[^"]+)"', page).group(1).replace("&amp;", "&")
    )
    form = html(as_cto.get(edit_url))
    assert f'href="{listing}"' in form  # Cancel
    response = as_cto.post(edit_url, edit_data(as_cto, skill, description="Plans and state."))
    assert response.headers["Location"] == listing
    # a next that leaves the site is ignored
    elsewhere = f"/skills/{skill.id}/edit?next=//evil.example.com/"
    response = as_cto.post(elsewhere, edit_data(as_cto, skill, description="Again."))
    assert response.headers["Location"] == "/skills"


def test_a_skill_on_no_plan_is_not_called_in_use(login_as, make_user, make_skill, make_plan_item):
    planned = make_skill(name="Terraform")
    make_plan_item(skill=planned)
    make_skill(name="Ansible")
    page = login_as(make_user(Role.IT_LEAD)).get("/skills").get_data(as_text=True)
    assert re.search(r"Terraform</a></th>.*?In use", page, re.S)
    assert re.search(r"Ansible</a></th>.*?On no plan", page, re.S)
    # archiving asks first, and says what it does
    assert 'data-confirm="Archive Ansible? It can no longer be added to a plan' in page
