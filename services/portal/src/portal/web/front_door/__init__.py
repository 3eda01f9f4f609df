"""The patient front door's pages: red flags first (no sign-in), then asking for help,
routed safely, and a signed-in patient's own care (issue 11).

Every page is a plain form that posts and answers with a whole page, so it works with
JavaScript off. The questions and all advice come from the versioned rule file; the
pages decide nothing themselves: they call the same use cases as `$route`.
"""

from __future__ import annotations

from fastapi import APIRouter

from portal.web.duty import add_duty_pages
from portal.web.front_door.asking import ask, ask_form
from portal.web.front_door.episodes import my_episode_feedback
from portal.web.front_door.my_care import my_care
from portal.web.front_door.screening import screen, start
from portal.web.front_door.thread import my_feedback, my_thread, my_thread_reply
from portal.web.http import add_page

__all__ = ["add_front_door_pages"]


def add_front_door_pages(router: APIRouter) -> None:
    add_page(router, "/start", get=start, post=screen)
    add_page(router, "/requests/new", get=ask_form, post=ask)
    add_page(router, "/my/plan", get=my_care)
    add_page(router, "/my/requests/{request_id}", get=my_thread, post=my_thread_reply)
    add_page(router, "/my/requests/{request_id}/feedback", post=my_feedback)
    add_page(router, "/my/feedback/{question_id}", post=my_episode_feedback)
    add_duty_pages(router)  # the staff side of a red flag: the callback
