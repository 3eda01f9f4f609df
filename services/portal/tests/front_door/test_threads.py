"""A request's message thread between a P9 patient and their team, over HTTP."""

from __future__ import annotations

import asyncio
import re

import pytest

from portal.store.live import listening
from services.portal.tests.front_door.conftest import Portal

pytestmark = pytest.mark.asyncio(loop_scope="session")

PRACTICE, OTHER_PRACTICE = "A81001", "B82002"
_MINE = re.compile(r'href="/my/requests/([^"]+)"')


async def _asks(portal: Portal, text: str, practice: str = PRACTICE) -> tuple[str, str]:
    """A P9 patient of `practice` sends a request; their NHS number and the request's id."""
    nhs = await portal.sign_in("P9")
    await portal.register(nhs, practice)
    sent = await portal.ask(age="75", sex="female", answer="other-problem", text=text)
    assert sent.status_code == 200, sent.text
    mine = _MINE.findall((await portal.client.get("/my/plan")).text)
    assert len(mine) == 1
    return nhs, mine[0]


async def _post(portal: Portal, path: str, **data: str) -> int:
    token = await portal.csrf("/start")  # the session's token, from any page with a form
    return (await portal.client.post(path, data={"csrf_token": token, **data})).status_code


async def _messages(portal: Portal, request_id: str) -> list[str]:
    rows = await portal.scalar(
        "SELECT coalesce(jsonb_agg(convert_from(content, 'UTF8')::jsonb->'payload'->0->>"
        "'contentString' ORDER BY pk), '[]') FROM resource WHERE resource_type = "
        "'Communication' AND convert_from(content, 'UTF8')::jsonb->'basedOn'->0->>'reference' "
        "= :ref",
        ref=f"CommunicationRequest/{request_id}",
    )
    return list(rows)


async def test_patient_and_team_write_on_a_request_and_a_reply_answers_it(
    portal: Portal,
) -> None:
    nhs, request_id = await _asks(portal, "Can my repeat inhaler be changed?")
    await portal.sign_in_staff("care-coordinator", PRACTICE)
    listed = await portal.client.get("/duty/requests")
    staff_view = await portal.client.get(f"/duty/requests/{request_id}")
    answered = await _post(
        portal, f"/duty/requests/{request_id}", message="Yes <b>I will</b> call", answers="yes"
    )
    await portal.sign_in("P9", nhs)
    patient_view = await portal.client.get(f"/my/requests/{request_id}")
    thanked = await _post(portal, f"/my/requests/{request_id}", message="Thank you")
    await portal.sign_in_staff("care-coordinator", PRACTICE)
    after = await portal.client.get(f"/duty/requests/{request_id}")

    assert f'href="/duty/requests/{request_id}"' in listed.text
    assert "Can my repeat inhaler be changed?" in staff_view.text
    assert (answered, thanked) == (303, 303)
    assert "Yes &lt;b&gt;I will&lt;/b&gt; call" in patient_view.text
    assert "Dr Duty, Care co-ordinator" in patient_view.text
    assert "Answered" in patient_view.text
    assert "Thank you" in after.text
    assert (
        f'href="/duty/requests/{request_id}"'
        not in (await portal.client.get("/duty/requests")).text
    )  # answered: no longer open
    assert await _messages(portal, request_id) == ["Yes <b>I will</b> call", "Thank you"]
    sent = await portal.events(nhs, "carecoord.portal.message-sent.v1")
    assert [e["from"] for e in sent] == ["team", "patient"]


async def test_a_thread_is_not_found_for_another_patient_or_another_practice(
    portal: Portal,
) -> None:
    _, request_id = await _asks(portal, "Mine only")
    await portal.sign_in("P9")  # another P9 patient
    other_patient = await portal.client.get(f"/my/requests/{request_id}")
    other_patient_post = await _post(portal, f"/my/requests/{request_id}", message="Hi")
    await portal.sign_in_staff("gp", OTHER_PRACTICE)
    other_practice = await portal.client.get(f"/duty/requests/{request_id}")
    await portal.sign_in("P5")
    p5 = await portal.client.get(f"/my/requests/{request_id}")

    assert (other_patient.status_code, other_patient_post) == (404, 404)
    assert other_practice.status_code == 404
    assert p5.status_code == 403
    assert "level P9" in p5.text
    assert await _messages(portal, request_id) == []


@pytest.mark.parametrize("message", ["", "   ", "x" * 2001])
async def test_an_empty_or_over_long_message_is_refused_and_nothing_is_stored(
    portal: Portal, message: str
) -> None:
    _, request_id = await _asks(portal, "Short question")

    status = await _post(portal, f"/my/requests/{request_id}", message=message)

    assert status == 400
    assert await _messages(portal, request_id) == []


async def test_a_patients_message_is_told_live_to_the_staff_who_may_see_the_thread(
    portal: Portal,
) -> None:
    nhs, request_id = await _asks(portal, "Is my appointment still on?")
    await portal.sign_in_staff("care-coordinator", PRACTICE)
    page = await portal.client.get(f"/duty/requests/{request_id}")
    await portal.sign_in_staff("gp", OTHER_PRACTICE)
    other_practice = await portal.client.get(f"/live/duty/requests/{request_id}")
    unknown = await portal.client.get("/live/duty/requests/no-such-request")
    await portal.sign_in("P9", nhs)
    patient = await portal.client.get(f"/live/duty/requests/{request_id}")
    heard: list[list[str]] = []
    async with listening(portal.app.state.engine, heard.append):
        sent = await _post(portal, f"/my/requests/{request_id}", message="Still waiting")
        for _ in range(50):
            if heard:
                break
            await asyncio.sleep(0.05)

    assert f'data-live-url="/live/duty/requests/{request_id}"' in page.text
    assert 'data-live-target="thread-part"' in page.text
    assert 'id="thread-part"' in page.text
    assert "Refresh this page" in page.text  # without JavaScript
    assert (other_practice.status_code, unknown.status_code) == (404, 404)
    assert patient.status_code == 403
    assert sent == 303
    assert heard == [[f"CommunicationRequest/{request_id}"]]  # a reference, no patient data


async def test_script_in_a_patients_text_is_escaped_everywhere_it_is_shown(
    portal: Portal,
) -> None:
    script = "<script>alert('x')</script>"
    _, request_id = await _asks(portal, f"My knee {script} hurts")
    assert await _post(portal, f"/my/requests/{request_id}", message=f"Also {script}") == 303
    shown = [
        (await portal.client.get(path)).text for path in (f"/my/requests/{request_id}", "/my/plan")
    ]
    await portal.sign_in_staff("care-coordinator", PRACTICE)
    for path in (f"/duty/requests/{request_id}", "/duty/requests", "/duty/callbacks"):
        page = await portal.client.get(path)
        assert page.status_code == 200, path
        shown.append(page.text)

    assert all("<script>alert" not in text for text in shown)
    assert "My knee &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; hurts" in shown[0]
    assert "Also &lt;script&gt;" in shown[0]
    assert "My knee &lt;script&gt;" in shown[2]
    assert "Also &lt;script&gt;" in shown[2]
    assert await _messages(portal, request_id) == [f"Also {script}"]  # kept as written


async def test_two_colleagues_opening_a_thread_at_once_both_see_it_and_it_is_read_once(
    portal: Portal,
) -> None:
    _, request_id = await _asks(portal, "Who do I ask about my feet?")
    for text in ("One", "Two", "Three"):
        assert await _post(portal, f"/my/requests/{request_id}", message=text) == 303
    await portal.sign_in_staff("care-coordinator", PRACTICE)

    pages = await asyncio.gather(
        *(portal.client.get(f"/duty/requests/{request_id}") for _ in range(4))
    )

    assert [p.status_code for p in pages] == [200] * 4
    assert all("Three" in p.text for p in pages)
    statuses = await portal.scalar(
        "SELECT string_agg(DISTINCT convert_from(content, 'UTF8')::jsonb->>'status', ',') "
        "FROM resource WHERE resource_type = 'Communication' AND "
        "convert_from(content, 'UTF8')::jsonb->'basedOn'->0->>'reference' = :ref",
        ref=f"CommunicationRequest/{request_id}",
    )
    assert statuses == "completed"
