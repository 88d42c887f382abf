"""Outside parties' payloads for the cases flow (marshmallow): the procuratorate and discipline inspection
acknowledge the functionary clues the bureau passes them (HO-30). They sign with their own keys
(`fundlink party send --as procuratorate …`)."""

from __future__ import annotations

from marshmallow import fields, validate

from shared.bus.fields import EventSchema


class _ClueAcknowledged(EventSchema):
    clue_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    receiving_unit = fields.String(required=True, validate=validate.Length(min=1, max=200))
    acknowledged_at = fields.AwareDateTime(required=True)


class DisciplineInspectionClueAcknowledged(_ClueAcknowledged):
    """HO-30: the discipline inspection organ acknowledges a clue about a state functionary."""

    event_type = "discipline_inspection.clue.acknowledged.v1"


class ProcuratorateClueAcknowledged(_ClueAcknowledged):
    """HO-30: the procuratorate acknowledges a clue about a state functionary."""

    event_type = "procuratorate.clue.acknowledged.v1"


EVENT_SCHEMAS: list = [DisciplineInspectionClueAcknowledged, ProcuratorateClueAcknowledged]
