"""Named errors of the period close, the reports and the payouts; messages are plain Dutch.

Texts are not gettext: the close also runs from the command line, and the errors are about
legal documents that are always Dutch.
"""

from __future__ import annotations

from coopshop.errors import Conflict, NotFound


class PeriodAlreadyClosed(Conflict):
    """The cooperative closed this period before; closing twice is refused."""


class EarlierPeriodOpen(Conflict):
    """An earlier period with bookings is still open: periods are closed in order."""


class NoRuleInForce(Conflict):
    """A member's municipality has no settlement rule version on the period's first day."""


class ReportReplaced(Conflict):
    """Only the newest version of a report can be corrected."""


class NoCorrectionReason(Conflict):
    """A correction needs a reason, which is printed on the new version."""


class ReportTampered(Conflict):
    """A stored report file no longer matches its checksum; it is not handed out."""

    status_code = 500


class UnknownReportFormat(NotFound):
    """Reports are downloaded as pdf, csv or xlsx."""


class PayoutBatchPending(Conflict):
    """The cooperative has a payout batch that is neither executed nor cancelled."""


class NothingToPayOut(Conflict):
    """No member or municipality is owed enough for a transfer."""


class InvalidDebtorAccount(Conflict):
    """The cooperative's own IBAN is not valid, so no transfer file can be made."""


class PayoutStateConflict(Conflict):
    """The batch is not in a state that allows this step (e.g. executing a cancelled batch)."""
