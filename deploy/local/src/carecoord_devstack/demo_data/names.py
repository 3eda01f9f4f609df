"""Word lists the demo borough's made-up people and places are drawn from.

Demo patients and clinicians need names that read naturally in a UI but belong to
nobody: common given and family names combined at random (with a fixed seed) give
that, and the same lists name the practices. Keeping the lists apart from the code
that builds resources keeps both short.
"""

from __future__ import annotations

__all__ = ["FAMILY", "FEMALE", "MALE", "PLACES", "STREETS"]


def _words(text: str, sep: str = " ") -> tuple[str, ...]:
    return tuple(text.split(sep))


FEMALE = _words(
    "Olivia Amelia Isla Ava Mia Grace Sophia Lily Freya Emily Ivy Ella Rosie Evie Florence "
    "Poppy Charlotte Daisy Sienna Alice Margaret Jean Patricia Susan Linda Barbara Elaine "
    "Dorothy Joan Sheila Irene Brenda Pauline Janet Carol Ruth Amira Priya Aisha Zainab "
    "Fatima Mei Chloe Hannah Nia Ffion Siobhan Agnieszka Gloria Precious"
)

MALE = _words(
    "Oliver George Arthur Noah Muhammad Leo Harry Oscar Archie Henry Jack Theo Freddie "
    "Alfie Charlie Thomas William Joshua James David John Robert Michael Peter Brian "
    "Kenneth Raymond Geoffrey Derek Trevor Colin Barry Keith Ahmed Rajesh Imran Tariq Wei "
    "Dylan Rhys Callum Connor Piotr Kwame Emeka Desmond Samuel Daniel Joseph"
)

FAMILY = _words(
    "Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson "
    "Evans Walker White Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner "
    "Martin Cooper Hill Ward Hughes Moore Clark King Harrison Lewis Baker Lee Allen Morris "
    "Khan Scott Watson Davis Parker James Bennett Young Phillips Richardson Mitchell Bailey "
    "Carter Cook Singh Shaw Bell Collins Morgan Kelly Begum Miller Cox Hussain Marshall "
    "Simpson Price Anderson Adams Wilkinson Ali Ahmed Foster Ellis Murphy Chapman Mason "
    "Gray Richards Webb Griffiths Hunt Palmer Campbell Holmes Mills Rogers Barnes Knight "
    "Matthews Barker Powell Stevens Kaur Fisher Butler Dixon Russell Harvey Pearson Graham "
    "Okafor Mensah Nowak Kowalski Chen Wong Nguyen Rahman Chowdhury Mahmood Sharma"
)

PLACES = _words(
    "Ashgrove, Beechwood, Brookside, Castle Mead, Cedar House, Church Lane, Elmfield, "
    "Fairview, Foxhill, Greenway, Hawthorn, Heathside, Highfield, Hollybush, Kingsway, "
    "Lakeside, Larkrise, Linden, Meadowbank, Mill Lane, Northgate, Oakwood, Orchard, "
    "Parkview, Queens Road, Rosemount, Sandpit Lane, Station Road, Thornbury, Valley Road, "
    "Victoria, Westbrook, Willow Tree, Woodlands, Abbey Fields, Bridge Street, Canal Side, "
    "Dene Park, Eastgate, Ferndale, Grange Road, Harbour View, Ivy House, Juniper, Kestrel "
    "Way, Lime Tree, Marsh Lane, Nightingale",
    ", ",
)

STREETS = _words(
    "High Street, Station Road, Church Street, Park Road, Victoria Road, Green Lane, Manor "
    "Road, Queens Road, Mill Lane, New Road, Kings Road, School Lane, The Crescent, Orchard "
    "Close, Meadow Way",
    ", ",
)
