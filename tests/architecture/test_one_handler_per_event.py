"""One ``@handles`` entrypoint per event type and service: two would share the service's queue for that type
and each would get only part of the deliveries (a mixin's handler hidden by another's, or a copy kept as a
notice beside the handler that acts on it). The runtime refuses to start such a service; this finds it first."""

import pytest

from shared.bus.runtime import BusHandler
from shared.supervisor import load_service, service_classes


@pytest.mark.parametrize("agency", sorted(service_classes()))
def test_every_event_type_has_one_handler_in_a_service(agency):
    from nameko.containers import ServiceContainer

    container = ServiceContainer(load_service(agency), config={"AMQP_URI": "memory://"})
    seen: dict[str, str] = {}
    for entrypoint in container.entrypoints:
        if isinstance(entrypoint, BusHandler):
            assert entrypoint.event_type not in seen, (
                f"{agency}: {entrypoint.method_name} and {seen[entrypoint.event_type]} both handle "
                f"{entrypoint.event_type}")
            seen[entrypoint.event_type] = entrypoint.method_name
    assert seen, f"{agency} handles no event at all"


@pytest.mark.parametrize("agency", sorted(service_classes()))
def test_no_mixin_hides_another_mixins_entrypoint(agency):
    """Two mixins defining an entrypoint under one name: Python keeps the first, the other is dead code that
    reads as if it ran."""
    defined: dict[str, list[str]] = {}
    for base in load_service(agency).__mro__[1:]:
        for name, value in vars(base).items():
            if hasattr(value, "nameko_entrypoints"):
                defined.setdefault(name, []).append(base.__name__)
    assert not {n: b for n, b in defined.items() if len(b) > 1}
