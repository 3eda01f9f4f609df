"""The front door's rule-case table: what a clinician expects for each kind of patient.

Written by hand, apart from the rule file, so a change to either that breaks a
decision shows here. Each case: id, age, sex, structured answers, free text, the
patient's plan (None, "copd", "crisis", "coordinator") and the route expected.
Run by `test_rule_cases.py` against the pure evaluator.
"""

from __future__ import annotations

from typing import NamedTuple


class Case(NamedTuple):
    id: str
    age: int
    sex: str
    answers: tuple[str, ...]
    text: str
    plan: str | None
    route: str


def _c(
    ident: str, age: int, sex: str, answers: str, text: str, route: str, plan: str | None = None
) -> Case:
    return Case(ident, age, sex, tuple(a for a in answers.split() if a), text, plan, route)


# Every red flag by its structured answer.
RED_FLAG_ANSWERS = [
    _c(f"answer-{code}", 40, "female", code, "", route)
    for code, route in [
        ("chest-pain", "999"),
        ("stroke-face", "999"),
        ("stroke-arms", "999"),
        ("stroke-speech", "999"),
        ("breathing-severe", "999"),
        ("swelling-mouth", "999"),
        ("bleeding-severe", "999"),
        ("unconscious", "999"),
        ("fit", "999"),
        ("confusion-sudden", "999"),
        ("sepsis-skin", "999"),
        ("rash-not-fading", "999"),
        ("suicidal-thoughts", "crisis"),
        ("unable-keep-safe", "crisis"),
    ]
]

# Every red flag in the patient's own words: synonyms and misspellings, in sentences.
RED_FLAG_TEXT = [
    _c(f"text-{i}", 45, "male", "", text, route)
    for i, (text, route) in enumerate(
        [
            ("crushing pain in my chest", "999"),
            ("I have CHEST PAINS since this morning", "999"),
            ("my chest hurts when I walk", "999"),
            ("Chesst pain and sweating", "999"),
            ("bad chest pian going down my arm", "999"),
            ("tightness in my chest", "999"),
            ("I think I'm having a heart attack", "999"),
            ("my dad's face has dropped on one side", "999"),
            ("her face is droopy", "999"),
            ("I think he's had a strok", "999"),
            ("can't lift my arm", "999"),
            ("my arm went weak suddenly", "999"),
            ("slurred speech since lunch", "999"),
            ("he keeps slurring words", "999"),
            ("slured speech", "999"),
            ("I can't breathe properly", "999"),
            ("cant breath", "999"),
            ("struggling to breathe", "999"),
            ("gasping for air", "999"),
            ("my lips are swelling up", "999"),
            ("swollen tongue after eating nuts", "999"),
            ("throat is swelling", "999"),
            ("anaphalaxis", "999"),
            ("bleeding won't stop after cutting my hand", "999"),
            ("heavy bleeding", "999"),
            ("vomiting blood", "999"),
            ("haemorrage", "999"),
            ("my wife is unconcious", "999"),
            ("he passed out and won't wake up", "999"),
            ("she collapsed in the kitchen", "999"),
            ("my son is having a fit", "999"),
            ("siezure", "999"),
            ("convulsions", "999"),
            ("grandad is suddenly confused", "999"),
            ("very confused and drowsy", "999"),
            ("she seems disorientated", "999"),
            ("lips are blue", "999"),
            ("mottled skin and shivering", "999"),
            ("I think it's sepsys", "999"),
            ("rash doesn't fade under a glass", "999"),
            ("non-blanching rash on his legs", "999"),
            ("could it be menengitis", "999"),
            ("I want to kill myself", "crisis"),
            ("feeling sucidal", "crisis"),
            ("I want to end it all", "crisis"),
            ("thinking of taking my own life", "crisis"),
            ("I can't keep myself safe tonight", "crisis"),
            ("I've been self-harming, I cut myself", "crisis"),
            ("took an overdose", "crisis"),
            ("Everyone would be better off dead without me", "crisis"),
            ("chest pain and I feel suicidal", "999"),
            ("<script>alert('chest pain')</script>", "999"),
        ]
    )
]

# Pharmacy First: each condition at both edges of its age band, outside it, and each exclusion.
PHARMACY_FIRST = [
    _c("throat-5", 5, "male", "sore-throat", "", "pharmacy"),
    _c("throat-4", 4, "male", "sore-throat", "", "gp"),
    _c("throat-90", 90, "female", "sore-throat", "", "pharmacy"),
    _c("throat-immuno", 30, "female", "sore-throat immunosuppressed", "", "gp"),
    _c("throat-preg-15", 15, "female", "sore-throat pregnant", "", "gp"),
    _c("throat-preg-16", 16, "female", "sore-throat pregnant", "", "pharmacy"),
    _c("ear-1", 1, "female", "earache", "", "pharmacy"),
    _c("ear-0", 0, "female", "earache", "", "gp"),
    _c("ear-17", 17, "male", "earache", "", "pharmacy"),
    _c("ear-18", 18, "male", "earache", "", "gp"),
    _c("ear-discharge", 8, "male", "earache ear-discharge", "", "gp"),
    _c("ear-recurrent", 8, "male", "earache recurrent-infection", "", "gp"),
    _c("ear-immuno", 8, "male", "earache immunosuppressed", "", "gp"),
    _c("ear-preg-15", 15, "female", "earache pregnant", "", "gp"),
    _c("sinus-12", 12, "female", "sinusitis", "", "pharmacy"),
    _c("sinus-11", 11, "female", "sinusitis", "", "gp"),
    _c("sinus-80", 80, "male", "sinusitis", "", "pharmacy"),
    _c("sinus-12-weeks", 40, "male", "sinusitis symptoms-over-12-weeks", "", "gp"),
    _c("sinus-immuno", 40, "male", "sinusitis immunosuppressed", "", "gp"),
    _c("sinus-preg-15", 15, "female", "sinusitis pregnant", "", "gp"),
    _c("impetigo-1", 1, "male", "impetigo", "", "pharmacy"),
    _c("impetigo-0", 0, "male", "impetigo", "", "gp"),
    _c("impetigo-70", 70, "female", "impetigo", "", "pharmacy"),
    _c("impetigo-bullous", 6, "female", "impetigo bullous-blisters", "", "gp"),
    _c("impetigo-recurrent", 6, "female", "impetigo recurrent-infection", "", "gp"),
    _c("impetigo-immuno", 6, "female", "impetigo immunosuppressed", "", "gp"),
    _c("impetigo-preg-15", 15, "female", "impetigo pregnant", "", "gp"),
    _c("bite-1", 1, "female", "insect-bite-infected", "", "pharmacy"),
    _c("bite-0", 0, "female", "insect-bite-infected", "", "gp"),
    _c("bite-60", 60, "male", "insect-bite-infected", "", "pharmacy"),
    _c("bite-animal", 30, "male", "insect-bite-infected animal-or-human-bite", "", "111"),
    _c("bite-immuno", 30, "male", "insect-bite-infected immunosuppressed", "", "gp"),
    _c("bite-preg-15", 15, "female", "insect-bite-infected pregnant", "", "gp"),
    _c("shingles-18", 18, "male", "shingles", "", "pharmacy"),
    _c("shingles-17", 17, "male", "shingles", "", "gp"),
    _c("shingles-85", 85, "female", "shingles", "", "pharmacy"),
    _c("shingles-preg", 30, "female", "shingles pregnant", "", "gp"),
    _c("shingles-immuno", 50, "female", "shingles immunosuppressed", "", "gp"),
    _c("uti-16", 16, "female", "uti-symptoms", "", "pharmacy"),
    _c("uti-15", 15, "female", "uti-symptoms", "", "gp"),
    _c("uti-30", 30, "female", "uti-symptoms", "", "pharmacy"),
    _c("uti-64", 64, "female", "uti-symptoms", "", "pharmacy"),
    _c("uti-65", 65, "female", "uti-symptoms", "", "gp"),
    _c("uti-male", 30, "male", "uti-symptoms", "", "gp"),
    _c("uti-other", 30, "other", "uti-symptoms", "", "gp"),
    _c("uti-kidney", 30, "female", "uti-symptoms kidney-pain-or-fever", "", "111"),
    _c("uti-preg", 30, "female", "uti-symptoms pregnant", "", "gp"),
    _c("uti-catheter", 30, "female", "uti-symptoms urinary-catheter", "", "gp"),
    _c("uti-recurrent", 30, "female", "uti-symptoms recurrent-infection", "", "gp"),
    _c("uti-immuno", 30, "female", "uti-symptoms immunosuppressed", "", "gp"),
]

# Self-referral services, their bands and exclusions (cauda equina goes to A&E at once).
SELF_REFERRAL = [
    _c("physio-16", 16, "male", "back-or-joint-pain", "", "self-referral"),
    _c("physio-15", 15, "male", "back-or-joint-pain", "", "gp"),
    _c("physio-saddle", 45, "female", "back-or-joint-pain saddle-numbness", "", "999"),
    _c("physio-bladder", 45, "female", "back-or-joint-pain bladder-or-bowel-change", "", "999"),
    _c("physio-legs", 45, "male", "back-or-joint-pain both-legs-weak", "", "999"),
    _c("physio-saddle-under-16", 14, "male", "back-or-joint-pain saddle-numbness", "", "999"),
    _c("physio-fall", 70, "female", "back-or-joint-pain recent-fall-or-injury", "", "111"),
    _c("podiatry-18", 18, "female", "foot-problem", "", "self-referral"),
    _c("podiatry-17", 17, "female", "foot-problem", "", "gp"),
    _c("podiatry-diabetic", 60, "male", "foot-problem diabetic-foot-ulcer", "", "111"),
    _c("hearing-18", 18, "male", "hearing-loss", "", "self-referral"),
    _c("hearing-17", 17, "male", "hearing-loss", "", "gp"),
    _c("hearing-sudden", 50, "male", "hearing-loss hearing-loss-sudden", "", "111"),
    _c("hearing-discharge", 50, "male", "hearing-loss ear-discharge", "", "gp"),
    _c("talking-18", 18, "female", "low-mood-or-anxiety", "", "self-referral"),
    _c("talking-17", 17, "female", "low-mood-or-anxiety", "", "gp"),
    _c(
        "talking-text-suicidal",
        30,
        "female",
        "low-mood-or-anxiety",
        "some days I want to die",
        "crisis",
    ),
]

# Other routes: 111 (online 5+, phone under 5), GP, co-ordinator, fallback.
OTHER_ROUTES = [
    _c("111-5", 5, "male", "urgent-today", "", "111"),
    _c("111-4", 4, "male", "urgent-today", "", "111"),
    _c("111-adult", 40, "female", "urgent-today", "", "111"),
    _c("mh-worse", 30, "male", "mental-health-worse", "", "111"),
    _c("breathing-worse", 70, "male", "breathing-worse-than-usual", "", "111"),
    _c("gp-other", 40, "female", "other-problem", "", "gp"),
    _c("gp-nothing", 40, "female", "", "", "gp"),
    _c("gp-text-only", 40, "female", "", "I need a repeat prescription", "gp"),
    _c("coordinator-has", 80, "female", "plan-question", "", "coordinator", "coordinator"),
    _c("coordinator-none", 80, "female", "plan-question", "", "gp"),
]

# Several symptoms at once: the most urgent wins.
SEVERAL = [
    _c("uti-and-chest", 30, "female", "uti-symptoms chest-pain", "", "999"),
    _c("throat-and-urgent", 30, "female", "sore-throat urgent-today", "", "111"),
    _c("throat-and-physio", 30, "female", "sore-throat back-or-joint-pain", "", "pharmacy"),
    _c("gp-and-pharmacy", 30, "female", "other-problem earache", "", "gp"),
    _c(
        "physio-and-cauda-and-throat",
        30,
        "male",
        "sore-throat back-or-joint-pain saddle-numbness",
        "",
        "999",
    ),
    _c("uti-text-chest", 30, "female", "uti-symptoms", "and a crushing pain in my chest", "999"),
    _c("crisis-and-999", 30, "female", "suicidal-thoughts bleeding-severe", "", "999"),
    _c("self-harm-and-uti", 30, "female", "uti-symptoms unable-keep-safe", "", "crisis"),
    _c("shingles-and-hearing", 50, "male", "shingles hearing-loss", "", "pharmacy"),
    _c("mh-and-talking", 30, "male", "mental-health-worse low-mood-or-anxiety", "", "111"),
]

# Care-plan-aware: a patient's own escalation plan first, never above a red flag.
CARE_PLAN = [
    _c("copd-rescue", 70, "male", "breathing-worse-than-usual", "", "own-plan", "copd"),
    _c("copd-no-plan", 70, "male", "breathing-worse-than-usual", "", "111"),
    _c("copd-severe", 70, "male", "breathing-severe", "", "999", "copd"),
    _c(
        "copd-text-cant-breathe",
        70,
        "male",
        "breathing-worse-than-usual",
        "I can't breathe",
        "999",
        "copd",
    ),
    _c("copd-other-symptom", 70, "male", "sore-throat", "", "pharmacy", "copd"),
    _c("copd-plan-mh", 70, "male", "mental-health-worse", "", "111", "copd"),
    _c("crisis-plan", 30, "female", "mental-health-worse", "", "own-plan", "crisis"),
    _c("crisis-plan-low-mood", 30, "female", "low-mood-or-anxiety", "", "own-plan", "crisis"),
    _c("crisis-plan-suicidal", 30, "female", "suicidal-thoughts", "", "crisis", "crisis"),
    _c(
        "crisis-plan-text-suicidal",
        30,
        "female",
        "mental-health-worse",
        "I want to kill myself",
        "crisis",
        "crisis",
    ),
    _c("crisis-plan-uti", 30, "female", "uti-symptoms", "", "pharmacy", "crisis"),
    _c(
        "coordinator-plan-no-escalation",
        70,
        "male",
        "breathing-worse-than-usual",
        "",
        "111",
        "coordinator",
    ),
]

CASES = [
    *RED_FLAG_ANSWERS,
    *RED_FLAG_TEXT,
    *PHARMACY_FIRST,
    *SELF_REFERRAL,
    *OTHER_ROUTES,
    *SEVERAL,
    *CARE_PLAN,
]
