"""Writes documents/voltride-owners-guide.docx: an invented e-bike's owner's guide as a Word file —
Title and Heading 1/2 styles, bullet lists, two tables without a marked header row, a page
header and footer. Written for Crossroads (CC0); `python eval-data/voltride/make_guide.py`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

GUIDE = [
    ("Before your first ride", [
        "Charge the battery fully before your first ride. A full charge takes 4 to 6 hours with the supplied "
        "charger.",
        "Check the tyre pressure: 2.5 to 4 bar, as printed on the tyre's sidewall.",
        "Set the saddle height so that your leg is almost straight at the bottom of the pedal stroke.",
    ]),
    ("Riding modes", [
        "The display's plus and minus buttons change the level of assistance.",
        ("table", [["Mode", "Assistance", "Range"], ["Eco", "50%", "up to 120 km"], ["Tour", "100%", "up to 90 km"],
                   ["Sport", "200%", "up to 60 km"], ["Turbo", "300%", "up to 40 km"]]),
        "Walk assist pushes the bike at up to 6 km/h when you walk beside it: hold the minus button for 2 "
        "seconds.",
    ]),
    ("Battery care", [
        ("bullets", [
            "When you will not ride for more than a month, store the battery at 30 to 60% charge.",
            "Store it indoors between 10 and 20 °C.",
            "Do not charge the battery below 0 °C; let a cold battery warm up indoors first.",
        ]),
        "The battery keeps at least 70% of its capacity for 800 full charge cycles.",
        "The replacement battery is model VR-B500 (500 Wh).",
    ]),
    ("Maintenance", [
        "The first service is due after 200 km or two months, whichever comes first, and is free at any "
        "VoltRide dealer.",
        "Clean and oil the chain every 300 km, and more often after riding in the rain.",
        "Replace the brake pads when they are thinner than 1.5 mm.",
    ]),
    ("Error codes", [
        "When the display shows an error code, find it in this table.",
        ("table", [["E01", "Speed sensor not detected", "Check that the magnet on the rear wheel lines up with the "
                    "sensor on the frame."],
                   ["E02", "Battery overheated", "Stop and let the battery cool down for 30 minutes."],
                   ["E05", "Motor overload", "Stop, switch the bike off and on again, and ride on in a lower mode."],
                   ["E09", "Display communication error", "Check the display cable's connector."]]),
    ]),
    ("Warranty and returns", [
        "The frame is guaranteed for 5 years, the motor and the battery for 2 years.",
        "The warranty requires a yearly service at an authorised VoltRide dealer.",
        "You can return the bike within 30 days if it has been ridden less than 50 km.",
        "Return shipping is paid by the customer, unless the bike is faulty.",
    ]),
    ("The law", [
        "The motor assists up to 25 km/h, so in the EU the bike counts as a bicycle: no licence or insurance "
        "is required.",
        "Riders must be at least 14 years old.",
    ]),
]


def main() -> None:
    import docx

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "VoltRide City 2 — Owner's guide"
    section.footer.paragraphs[0].text = "VoltRide GmbH · Service hotline +49 30 5550 1234 · Edition 11/2026"
    document.add_heading("VoltRide City 2 Owner's Guide", level=0)
    document.add_paragraph("Read this guide before your first ride and keep it with the bike.")
    for heading, blocks in GUIDE:
        document.add_heading(heading, level=1)
        for block in blocks:
            if isinstance(block, str):
                document.add_paragraph(block)
            elif block[0] == "bullets":
                for item in block[1]:
                    document.add_paragraph(item, style="List Bullet")
            else:
                rows = block[1]
                table = document.add_table(rows=len(rows), cols=len(rows[0]))
                table.style = "Table Grid"
                for r, row in enumerate(rows):
                    for c, value in enumerate(row):
                        table.cell(r, c).text = value
    out = Path(__file__).parent / "documents"
    out.mkdir(exist_ok=True)
    document.core_properties.created = document.core_properties.modified = datetime(2026, 11, 24)  # fixed: same text
    document.save(out / "voltride-owners-guide.docx")


if __name__ == "__main__":
    main()
