"""Publishing a signed hand-off without nameko: for parties outside the six services
(government, treasury, procuratorate, …), integrators' systems and operators."""

from __future__ import annotations

from shared.bus.catalogue import catalogue
from shared.bus.envelope import Envelope, new_envelope
from shared.bus.outbox import ConfirmingPublisher, OutMessage
from shared.bus.signing import Signer
from shared.bus.topology import EVENTS_EXCHANGE


class NotProducer(PermissionError):
    pass


def signed_envelope(signer: Signer, event_type: str, data: dict, *, subject: str, correlation_id: str,
                    region: str) -> Envelope:
    spec = catalogue().event(event_type)
    if spec.producer != signer.party:
        raise NotProducer(f"{signer.party} may not send {spec.type}: the boundary table names {spec.producer}")
    env = new_envelope(agency=signer.party, event_type=spec.type, data=data, subject=subject,
                       correlation_id=correlation_id, region=region)
    return signer.sign_envelope(env)


def publish_envelopes(amqp_uri: str, envelopes: list[Envelope]) -> list[str]:
    """Publish with confirms and ``mandatory``; returns problems (empty when all confirmed)."""
    publisher = ConfirmingPublisher(amqp_uri)
    try:
        msgs = [OutMessage(i, e.id, EVENTS_EXCHANGE, e.routing_key, e.amqp_headers(), e.body)
                for i, e in enumerate(envelopes)]
        result = publisher.publish(msgs)
    finally:
        publisher.close()
    problems = [f"{envelopes[i].type}: {reason}" for i, reason in result.unroutable.items()]
    problems += [f"{envelopes[i].type}: nacked by the broker" for i in result.nacked]
    return problems
