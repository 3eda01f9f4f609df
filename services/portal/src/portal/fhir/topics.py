"""Topics as the Backport IG represents them in R4: `Basic` resources.

R4 has no SubscriptionTopic, so the IG carries each topic's elements as R5
cross-version extensions on a `Basic` whose code is `SubscriptionTopic`. Clients find
the catalogue with `GET /fhir/Basic?code=SubscriptionTopic`; a topic's `url` extension is
what a Subscription's `criteria` names.
"""

from __future__ import annotations

from carecoord_shared.fhir.operation_definition import CANONICAL_ROOT
from carecoord_shared.fhir.outcome import JsonObject
from portal.domain.topics import FILTERS, Topic

__all__ = ["TOPIC_CODE", "TOPIC_CODE_SYSTEM", "topic_resource"]

TOPIC_CODE_SYSTEM = "http://hl7.org/fhir/fhir-types"
TOPIC_CODE = "SubscriptionTopic"
_R5 = f"{CANONICAL_ROOT}/StructureDefinition/subscription-topic"
"""The IG's R5 cross-version extensions (`.../5.0/...extension-SubscriptionTopic.url`) are
refused by HAPI FHIR 8.8's validator ("invalid version"), so the same elements travel as
CareCoord extensions with the same names (`subscription-topic.url`, ...)."""


def _filter(topic: Topic, name: str) -> JsonObject:
    return {
        "url": f"{_R5}.canFilterBy",
        "extension": [
            {"url": "description", "valueMarkdown": FILTERS[name].documentation},
            {"url": "resource", "valueUri": topic.focus_type},
            {"url": "filterParameter", "valueString": name},
        ],
    }


def topic_resource(topic: Topic) -> JsonObject:
    trigger = {
        "url": f"{_R5}.eventTrigger",
        "extension": [
            {"url": "description", "valueMarkdown": f"The CloudEvent `{event}`."}
            for event in topic.event_types
        ]
        + [
            {
                "url": "event",
                "valueCodeableConcept": {
                    "coding": [
                        {
                            "system": "https://fhir.carecoord.example/CodeSystem/event-type",
                            "code": event,
                        }
                        for event in topic.event_types
                    ]
                },
            },
            {"url": "resource", "valueUri": topic.focus_type},
        ],
    }
    return {
        "resourceType": "Basic",
        "id": topic.slug,
        "extension": [
            {"url": f"{_R5}.url", "valueUri": topic.canonical},
            {"url": f"{_R5}.version", "valueString": "1.0.0"},
            {"url": f"{_R5}.title", "valueString": topic.title},
            {"url": f"{_R5}.status", "valueCode": "active"},
            {"url": f"{_R5}.description", "valueMarkdown": topic.description},
            trigger,
            *(_filter(topic, name) for name in topic.filters),
            {
                "url": f"{_R5}.notificationShape",
                "extension": [{"url": "resource", "valueUri": topic.focus_type}],
            },
        ],
        "code": {"coding": [{"system": TOPIC_CODE_SYSTEM, "code": TOPIC_CODE}]},
    }
