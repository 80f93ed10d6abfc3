"""Writes documents/calmora-leaflet.html: an invented painkiller's package leaflet as a
medicines agency publishes it (numbered sections, "Do not take" lists, a dosing table, the
agency's page template around it). Written for Crossroads (CC0); the medicine and its maker are
invented, and nothing here is medical advice.

    python eval-data/calmora/make_leaflet.py
"""

from __future__ import annotations

from html import escape
from pathlib import Path

HERE = Path(__file__).parent / "documents"

# (heading level, heading, blocks); a block is a paragraph, ("ul", items) or ("table", header, rows)
LEAFLET = [
    (2, "1. What Calmora is and what it is used for", [
        "Calmora contains the active substance naproxil, which belongs to a group of medicines called non-steroidal "
        "anti-inflammatory drugs (NSAIDs). It relieves pain and lowers a fever.",
        "Calmora is used for the short-term relief of mild to moderate pain such as headache, toothache, period pain, "
        "back pain and muscle pain, and of the symptoms of colds and flu.",
        "You must talk to a doctor if you do not feel better or if you feel worse after 3 days for a fever or after "
        "5 days for pain.",
    ]),
    (2, "2. What you need to know before you take Calmora", []),
    (3, "Do not take Calmora", [
        ("ul", ["if you are allergic to naproxil, to aspirin or to any of the other ingredients of this medicine "
                "(listed in section 6)",
                "if you have ever had a stomach ulcer or bleeding in your stomach",
                "if you have severe heart, liver or kidney failure",
                "in the last three months of pregnancy"]),
    ]),
    (3, "Warnings and precautions", [
        "Talk to your doctor or pharmacist before taking Calmora if you have asthma, high blood pressure, or a history "
        "of heart problems or stroke. Taking the lowest dose for the shortest time lowers the risk of side effects.",
    ]),
    (3, "Children and adolescents", [
        "Do not give Calmora to children under 12 years of age. Adolescents aged 12 to 17 years must take the lower "
        "dose shown in section 3.",
    ]),
    (3, "Other medicines and Calmora", [
        "Do not take Calmora with other NSAIDs, including aspirin at pain-relieving doses or ibuprofen. Tell your "
        "doctor or pharmacist if you take medicines that thin the blood, such as warfarin, medicines for high blood "
        "pressure, or lithium.",
    ]),
    (3, "Calmora with food, drink and alcohol", [
        "Take the tablets with or after food, with a glass of water. Avoid alcohol while you take Calmora: it raises "
        "the risk of bleeding in the stomach.",
    ]),
    (3, "Pregnancy and breast-feeding", [
        "Do not take Calmora in the last three months of pregnancy. In the first six months of pregnancy, take it "
        "only if your doctor tells you to.",
        "Small amounts of naproxil pass into breast milk. Short-term use at the recommended dose is unlikely to harm "
        "the baby; ask your pharmacist first.",
    ]),
    (3, "Driving and using machines", [
        "Calmora can make you feel dizzy or drowsy. If it does, do not drive or use machines.",
    ]),
    (3, "Calmora contains lactose", [
        "If you have been told by your doctor that you cannot tolerate some sugars, talk to your doctor before "
        "taking this medicine.",
    ]),
    (2, "3. How to take Calmora", [
        "Always take this medicine exactly as described in this leaflet. Swallow the tablets whole; do not chew or "
        "crush them.",
        ("table", ["Age", "Dose", "Time between doses", "Maximum in 24 hours"],
         [["Adults and the elderly", "1 or 2 tablets", "at least 6 hours", "6 tablets"],
          ["Adolescents 12 to 17 years", "1 tablet", "at least 6 hours", "4 tablets"],
          ["Children under 12 years", "not recommended", "-", "-"]]),
    ]),
    (3, "If you take more Calmora than you should", [
        "If you have taken more tablets than you should, or a child has taken this medicine by accident, contact "
        "your doctor or the nearest hospital emergency department at once. Take the pack with you.",
    ]),
    (3, "If you forget to take Calmora", [
        "Take the next dose when you need it, at least 6 hours after the last one. Do not take a double dose to make "
        "up for a forgotten tablet.",
    ]),
    (2, "4. Possible side effects", [
        "Like all medicines, Calmora can cause side effects, although not everybody gets them.",
        "Stop taking Calmora and see a doctor at once if you notice black, tarry stools, blood in your vomit, a "
        "severe skin rash, or swelling of the face, lips or throat.",
        "Common side effects (may affect up to 1 in 10 people): stomach pain, nausea, heartburn, diarrhoea and "
        "headache.",
        "Uncommon side effects (may affect up to 1 in 100 people): dizziness, drowsiness, ringing in the ears.",
    ]),
    (3, "Reporting of side effects", [
        "If you get any side effects, talk to your doctor or pharmacist. You can also report side effects directly "
        "through the Yellow Card Scheme at yellowcard.example.",
    ]),
    (2, "5. How to store Calmora", [
        "Keep this medicine out of the sight and reach of children. Store below 25 °C in the original package to "
        "protect it from moisture. Do not use this medicine after the expiry date on the carton after EXP.",
        "Do not throw away medicines in waste water or household waste. Ask your pharmacist how to throw away "
        "medicines you no longer use.",
    ]),
    (2, "6. Contents of the pack and other information", [
        "Each film-coated tablet contains 200 mg of naproxil. The other ingredients are lactose monohydrate, maize "
        "starch, magnesium stearate and a film coating of hypromellose and titanium dioxide (E171).",
        "Calmora tablets are white, oval and marked C200 on one side. They come in blister packs of 10, 20 or 30 "
        "tablets.",
        "Marketing authorisation holder and manufacturer: Harbour Pharma Ltd, 12 Quay Street, Bristol BS1 4XY, "
        "United Kingdom. This leaflet was last revised in March 2026.",
    ]),
]


def block(b) -> str:
    if isinstance(b, str):
        return f"<p>{escape(b)}</p>"
    if b[0] == "ul":
        return "<ul>" + "".join(f"<li>{escape(i)}</li>" for i in b[1]) + "</ul>"
    head = "".join(f"<th>{escape(h)}</th>" for h in b[1])
    rows = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in r) + "</tr>" for r in b[2])
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def page() -> str:
    body = "\n".join(f"<h{level}>{escape(title)}</h{level}>\n" + "\n".join(block(b) for b in blocks)
                     for level, title, blocks in LEAFLET)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Calmora 200 mg film-coated tablets - Patient leaflet</title></head>
<body>
<header><nav><a href="/">Home</a> | <a href="/medicines">Find a medicine</a> | <a href="/report">Report a side effect</a></nav></header>
<main>
<h1>Package leaflet: Information for the user - Calmora 200 mg film-coated tablets (naproxil)</h1>
<p>Read all of this leaflet carefully before you start taking this medicine because it contains important information for you.</p>
{body}
</main>
<footer><p>Medicines information service. Content reproduced from the approved product information.</p></footer>
</body></html>
"""


if __name__ == "__main__":
    (HERE / "calmora-leaflet.html").write_text(page(), encoding="utf-8")
