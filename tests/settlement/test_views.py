"""The pages: preview, close, reports and downloads, corrections, payouts, the member's page."""

from __future__ import annotations

from html import unescape

from sqlalchemy import select

from coopshop.cooperatives.models import Cooperative, SettlementRuleVersion
from coopshop.extensions import db
from coopshop.ledger.services import is_period_locked
from coopshop.settlement.models import PayoutBatch, SettlementReport
from tests.conftest import login
from tests.factories import (
    gen_coop_admin,
    gen_cooperative,
    gen_member,
    gen_municipality,
    gen_network_admin,
)
from tests.settlement.helpers import book_income, close, mid_month, settlement_state


def text(response) -> str:
    return unescape(response.get_data(as_text=True))


def world(app):
    """Cooperative Samen (one member in Utrecht, with September sales) and another one."""
    with app.app_context():
        utrecht = gen_municipality(name="Utrecht", iban="NL57TRIO3023757411")
        samen = gen_cooperative(name="Coöperatie Samen")
        fatima = gen_member(
            samen,
            utrecht,
            name="Fatima el Amrani",
            email="fatima@example.com",
            client_number="0344-10001",
            exemption_eligible=True,
            iban="NL10KNAB3055433959",
        )
        book_income(fatima, 51_000, mid_month("2026-09"))
        other = gen_cooperative(name="Coöperatie Anders")
        bertha = gen_member(other, utrecht, name="Bertha Bosman", email="bertha@example.com")
        book_income(bertha, 20_000, mid_month("2026-09"))
        return {
            "samen": samen.id,
            "other": other.id,
            "admin": gen_coop_admin(samen).email,
            "other_admin": gen_coop_admin(other).email,
            "network": gen_network_admin().email,
        }


def test_the_admin_previews_closes_and_downloads(app, client):
    ids = world(app)
    login(client, ids["admin"])
    samen = ids["samen"]

    index = text(client.get(f"/cooperatie/{samen}/verrekening"))
    assert '<option value="2026-09">september 2026</option>' in index
    preview = text(client.get(f"/cooperatie/{samen}/verrekening/voorbeeld?periode=2026-09"))
    for figure in ("Fatima el Amrani", "0344-10001", "€ 510,00", "€ 127,50", "€ 382,50"):
        assert figure in preview
    assert "Bertha Bosman" not in preview
    # The button says beforehand that issuing the reports takes a moment (read out with it).
    assert "Klik één keer en wacht tot de volgende pagina verschijnt." in preview
    assert 'aria-describedby="close-takes-time"' in preview

    refused = client.post(f"/cooperatie/{samen}/verrekening/2026-09/afsluiten", data={})
    assert refused.status_code == 400
    assert "Vink aan dat u de cijfers heeft gecontroleerd." in text(refused)
    with app.app_context():
        assert not is_period_locked(samen, "2026-09")

    closed = client.post(
        f"/cooperatie/{samen}/verrekening/2026-09/afsluiten",
        data={"confirm": "y"},
        follow_redirects=True,
    )
    assert "September 2026 is afgesloten. Er zijn 1 rapporten gemaakt." in text(closed)

    with app.app_context():
        report = db.session.scalar(select(SettlementReport))
        report_id, pdf, csv = report.id, report.pdf, report.csv
    reports = text(client.get("/cooperatie/verrekening/rapporten"))
    assert "Utrecht" in reports and "€ 382,50" in reports
    download = client.get(f"/cooperatie/verrekening/rapporten/{report_id}.pdf")
    assert download.mimetype == "application/pdf" and download.data == pdf
    assert client.get(f"/cooperatie/verrekening/rapporten/{report_id}.csv").data == csv
    xlsx = client.get(f"/cooperatie/verrekening/rapporten/{report_id}.xlsx")
    assert xlsx.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/cooperatie/verrekening/rapporten/{report_id}.doc").status_code == 404


def test_closing_a_closed_month_again_is_refused_with_a_message(app, client):
    ids = world(app)
    with app.app_context():
        close(db.session.get_one(Cooperative, ids["samen"]), "2026-09")
    login(client, ids["admin"])

    again = client.post(
        f"/cooperatie/{ids['samen']}/verrekening/2026-09/afsluiten", data={"confirm": "y"}
    )
    preview = client.get(f"/cooperatie/{ids['samen']}/verrekening/voorbeeld?periode=2026-09")

    assert again.status_code == 409
    assert "September 2026 is al afgesloten." in text(again)
    assert preview.status_code == 200
    assert "September 2026 is al afgesloten." in text(preview)


def test_an_admin_of_another_cooperative_can_neither_close_nor_see_nor_download(app, client):
    ids = world(app)
    with app.app_context():
        (report,) = close(db.session.get_one(Cooperative, ids["samen"]), "2026-09")
        report_id = report.id
        before = settlement_state(ids["other"]), settlement_state(ids["samen"])
    login(client, ids["other_admin"])
    samen = ids["samen"]

    for url in (
        f"/cooperatie/{samen}/verrekening",
        f"/cooperatie/{samen}/verrekening/voorbeeld?periode=2026-10",
        f"/cooperatie/verrekening/rapporten/{report_id}",
        f"/cooperatie/verrekening/rapporten/{report_id}.pdf",
        f"/cooperatie/{samen}/uitbetalingen",
    ):
        assert client.get(url).status_code == 404, url
    for url, data in (
        (f"/cooperatie/{samen}/verrekening/2026-10/afsluiten", {"confirm": "y"}),
        (f"/cooperatie/verrekening/rapporten/{report_id}/corrigeren", {"reason": "kaping"}),
        (f"/cooperatie/{samen}/uitbetalingen", {"execution_date": "2026-10-06"}),
    ):
        assert client.post(url, data=data).status_code == 404, url
    assert "Fatima" not in text(client.get("/cooperatie/verrekening/rapporten"))
    with app.app_context():
        assert (settlement_state(ids["other"]), settlement_state(ids["samen"])) == before
        assert db.session.scalar(select(PayoutBatch.id)) is None


def test_a_network_admin_sees_every_cooperatives_reports(app, client):
    ids = world(app)
    with app.app_context():
        close(db.session.get_one(Cooperative, ids["samen"]), "2026-09")
        close(db.session.get_one(Cooperative, ids["other"]), "2026-09")
    login(client, ids["network"])

    page = text(client.get("/cooperatie/verrekening/rapporten"))

    assert "Coöperatie Samen" in page and "Coöperatie Anders" in page


def test_a_correction_is_made_from_the_report_page(app, client):
    ids = world(app)
    with app.app_context():
        (report,) = close(db.session.get_one(Cooperative, ids["samen"]), "2026-09")
        report_id = report.id
    login(client, ids["admin"])

    empty = client.post(f"/cooperatie/verrekening/rapporten/{report_id}/corrigeren", data={})
    made = client.post(
        f"/cooperatie/verrekening/rapporten/{report_id}/corrigeren",
        data={"reason": "Cliëntnummer verbeterd."},
        follow_redirects=True,
    )

    assert empty.status_code == 400
    assert "Versie 2 van het rapport is gemaakt." in text(made)
    old = text(client.get(f"/cooperatie/verrekening/rapporten/{report_id}"))
    assert "vervangen door een nieuwere versie" in old
    assert "Rapport corrigeren" not in old


def test_the_member_sees_their_own_lines_and_months_left(app, client):
    ids = world(app)
    with app.app_context():
        close(db.session.get_one(Cooperative, ids["samen"]), "2026-09")
        close(db.session.get_one(Cooperative, ids["other"]), "2026-09")
    login(client, "fatima@example.com")

    page = text(client.get("/mijn/verrekening"))

    assert "U heeft 1 vrijlatingsmaanden gebruikt. U heeft er nog 5 over." in page
    assert "september 2026" in page and "€ 382,50" in page
    assert "€ 200,00" not in page  # Bertha's income, another cooperative


def test_the_rule_edit_page_says_why_a_used_version_cannot_change(app, client):
    ids = world(app)
    with app.app_context():
        (report,) = close(db.session.get_one(Cooperative, ids["samen"]), "2026-09")
        municipality_id, rule_id = report.municipality_id, report.rule_version_id
    login(client, ids["network"])
    url = f"/netwerk/gemeenten/{municipality_id}/regels/{rule_id}"

    page = text(client.get(url))
    posted = client.post(
        url,
        data={
            "effective_from": "2026-01-01",
            "period": "month",
            "basis": "gross",
            "exemption": "0",
            "exemption_cap_cents": "0",
            "exemption_max_months": "0",
            "offset": "100",
        },
    )

    assert "Daarom kunt u haar niet meer veranderen" in page
    assert '<form method="post" novalidate class="form">' not in page
    assert "Daarom kunt u haar niet meer veranderen" in text(posted)
    with app.app_context():
        assert db.session.get_one(SettlementRuleVersion, rule_id).exemption_bp == 2500


def test_the_payout_pages_make_export_and_execute_a_batch(app, client):
    ids = world(app)
    with app.app_context():
        close(db.session.get_one(Cooperative, ids["samen"]), "2026-09")
    login(client, ids["admin"])
    samen = ids["samen"]

    overview = text(client.get(f"/cooperatie/{samen}/uitbetalingen"))
    assert "Fatima el Amrani" in overview and "€ 127,50" in overview
    made = client.post(f"/cooperatie/{samen}/uitbetalingen", data={"execution_date": "2026-10-06"})
    batch_url = made.headers["Location"]
    assert "Bestand voor de bank downloaden" in text(client.get(batch_url))
    xml = client.post(f"{batch_url}/bestand")
    assert xml.mimetype == "application/xml" and b"pain.001.001.09" in xml.data
    executed = client.post(f"{batch_url}/uitgevoerd", follow_redirects=True)
    assert "De uitbetaling is geboekt." in text(executed)
    assert "uitgevoerd en geboekt" in text(executed)
    earnings = text(login_and_get(app, "fatima@example.com", "/mijn/verdiensten"))
    assert "Uw saldo is nu € 0,00." in earnings  # 510,00 earned, 382,50 withheld, 127,50 paid


def login_and_get(app, email: str, path: str):
    other = app.test_client()
    login(other, email)
    return other.get(path)


def test_the_threshold_form_checks_the_amount(app, client):
    ids = world(app)
    login(client, ids["admin"])
    url = f"/cooperatie/{ids['samen']}/uitbetalingen/drempel"

    wrong = client.post(url, data={"threshold": "twintig"})
    right = client.post(url, data={"threshold": "50,00"}, follow_redirects=True)

    assert wrong.status_code == 400
    assert "De drempel is opgeslagen." in text(right)
    assert 'value="50,00"' in text(right)
