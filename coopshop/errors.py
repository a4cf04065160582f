"""Named domain errors and the one place that turns errors into pages."""

from __future__ import annotations

import logging

from flask import Flask, Response, make_response, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from coopshop.extensions import db

log = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain refused the request; the message is shown to the user."""

    status_code = 400
    default_message = _l("Dit kan niet.")

    def __init__(self, message: str | None = None) -> None:
        self.message = message or str(self.default_message)
        super().__init__(self.message)


class NotFound(DomainError):
    status_code = 404
    default_message = _l("Deze pagina bestaat niet (meer).")


class PermissionDenied(DomainError):
    status_code = 403
    default_message = _l("U mag deze pagina niet bekijken.")


class Conflict(DomainError):
    status_code = 409
    default_message = _l("Dit is al gebeurd of kan niet meer.")


HTTP_MESSAGES = {
    400: (_l("Er ging iets mis met uw verzoek"), _l("Probeer het opnieuw vanaf de vorige pagina.")),
    403: (
        _l("Geen toegang"),
        _l("U mag deze pagina niet bekijken. Bent u met het juiste account ingelogd?"),
    ),
    404: (
        _l("Pagina niet gevonden"),
        _l("Deze pagina bestaat niet (meer). Controleer het adres of ga naar de startpagina."),
    ),
    405: (_l("Dit kan zo niet"), _l("Gebruik de knoppen op de pagina in plaats van het adres.")),
    413: (_l("Bestand te groot"), _l("Het bestand is te groot. Kies een kleiner bestand.")),
    429: (
        _l("Even wachten"),
        _l("U heeft het te vaak geprobeerd. Wacht een paar minuten en probeer het dan opnieuw."),
    ),
    500: (
        _l("Er ging iets mis bij ons"),
        _l("Dit is niet uw fout. Er is niets opgeslagen. Probeer het later opnieuw."),
    ),
}


def render_error(status: int, title: str, message: str) -> tuple[str, int]:
    return render_template("errors/error.html", title=title, message=message, status=status), status


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def domain_error(error: DomainError) -> tuple[str, int]:
        db.session.rollback()
        title = HTTP_MESSAGES.get(error.status_code, HTTP_MESSAGES[400])[0]
        return render_error(error.status_code, str(title), error.message)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(
            400,
            str(_l("Formulier verlopen")),
            str(
                _l(
                    "Het formulier was verlopen of onvolledig. Er is niets opgeslagen. "
                    "Ga terug, laad de pagina opnieuw en probeer het nog eens."
                )
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        title, message = HTTP_MESSAGES.get(status, HTTP_MESSAGES[400])
        response = make_response(render_error(status, str(title), str(message)))
        # Keep what the exception says about the request, such as ``Allow`` on a 405.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> tuple[str, int]:
        # Nothing half-done may be committed by a later request on this session.
        db.session.rollback()
        if app.config.get("PROPAGATE_UNEXPECTED"):
            raise error
        log.exception("Unhandled error")
        title, message = HTTP_MESSAGES[500]
        return render_error(500, str(title), str(message))
