"""Regenerate documents/aerio-ap40-manual.pdf (needs fpdf2, a dev dependency).

An invented air purifier's user manual laid out the way exported manuals are: a running header and
a "Page N of M" footer on every page, a contents page with dotted leaders, headings in bold type
only (no PDF outline), numbered steps, a section that runs over a page break, and tables.

    python eval-data/aerio/make_manual.py
"""

from pathlib import Path

from fpdf import FPDF

HEADER = "Aerio AP-40 Air Purifier - User Manual"

# Each page: a list of blocks; ("h", text) heading, ("p", text) paragraph, ("l", [items]) numbered steps,
# ("b", [items]) bullets, ("t", [rows]) a table whose first row is its header.
PAGES = [
    [
        ("title", "Aerio AP-40 Air Purifier"),
        ("p", "User Manual - Model AP-40 - Read all instructions before using the purifier and keep this manual."),
        ("h", "Important safety instructions"),
        ("b", [
            "WARNING: Do not use the purifier with a damaged power cord or plug. If the cord is damaged, it must be replaced by Aerio service or a qualified technician.",
            "WARNING: Never insert fingers or objects into the air outlet grille while the fan is running.",
            "Do not use the purifier in a bathroom or near a shower, bath or swimming pool: it is not water resistant.",
            "Do not cover the air inlet or outlet, and do not sit on the purifier.",
            "Unplug the purifier before cleaning it or changing the filter.",
            "Children must not play with the purifier. Use the child lock to stop children changing the settings.",
            "The purifier does not replace ventilation or a regular vacuum cleaner.",
        ]),
    ],
    [
        ("h", "Contents"),
        ("toc", [
            ("Important safety instructions", 1), ("What is in the box", 3), ("Control panel", 3),
            ("Getting started", 4), ("Using the purifier", 5), ("Connecting to the Aerio Home app", 6),
            ("Filter care", 7), ("Cleaning the air quality sensor", 8), ("Troubleshooting", 9),
            ("Specifications", 10), ("Warranty and support", 11),
        ]),
    ],
    [
        ("h", "What is in the box"),
        ("b", ["AP-40 air purifier with a 3-in-1 filter installed (in a plastic bag)", "Power adapter (24 V DC)",
               "Quick start guide", "This user manual"]),
        ("h", "Control panel"),
        ("p", "The control panel is on the top of the purifier. Touch a button lightly; the purifier beeps once."),
        ("t", [
            ["Button", "What it does"],
            ["Power", "Turns the purifier on or off."],
            ["Fan", "Changes the fan speed: 1, 2, 3, 4 and Turbo."],
            ["Auto", "Turns Auto mode on or off."],
            ["Sleep", "Turns Sleep mode on or off."],
            ["Timer", "Sets the off timer: 1, 4 or 8 hours."],
            ["Lock", "Touch and hold for 3 seconds to lock or unlock the buttons."],
            ["Filter", "After replacing the filter, touch and hold for 3 seconds to reset the filter indicator."],
        ]),
        ("p", "The light ring around the panel shows the air quality: blue means good, yellow means moderate and red means poor."),
    ],
    [
        ("h", "Getting started"),
        ("l", [
            "Turn the purifier upside down and twist the bottom cover anticlockwise to open it.",
            "Take the filter out and remove its plastic bag. The purifier will not clean the air with the bag on.",
            "Put the filter back with the pull tab facing out, and close the bottom cover until it clicks.",
            "Place the purifier on a firm, flat surface, at least 30 cm away from walls and furniture.",
            "Connect the power adapter and touch Power. The purifier starts in Auto mode.",
        ]),
        ("p", "For the best results, close the windows and doors of the room while the purifier runs. "
              "Keep the purifier at least 1 m away from a TV or radio, which it may interfere with."),
    ],
    [
        ("h", "Using the purifier"),
        ("p", "Fan speed: touch Fan to step through the speeds 1, 2, 3, 4 and Turbo. Turbo cleans a room fastest "
              "and is the loudest; after 30 minutes in Turbo the purifier returns to speed 3."),
        ("p", "Auto mode: the air quality sensor measures fine particles (PM2.5) and the purifier chooses the fan "
              "speed by itself. The light ring changes colour with the air quality. Touching Fan leaves Auto mode."),
        ("p", "Sleep mode: the fan runs at its quietest speed and the display and light ring turn off after 10 seconds. "
              "Touch any button to light the display again for 10 seconds."),
        ("p", "Timer: touch Timer to turn the purifier off after 1, 4 or 8 hours. Touch Timer until no timer light is "
              "on to cancel the timer."),
    ],
    [
        ("p", "Child lock: touch and hold Lock for 3 seconds. The lock icon lights up and the other buttons do "
              "nothing until you touch and hold Lock again for 3 seconds."),
        ("p", "Night light: touch and hold Sleep for 3 seconds to turn the light ring on or off when the purifier is not in Sleep mode."),
        ("h", "Connecting to the Aerio Home app"),
        ("p", "With the Aerio Home app you can control the purifier from your phone, set schedules and see the air "
              "quality history. The purifier connects to 2.4 GHz Wi-Fi networks only; 5 GHz networks are not supported."),
        ("l", [
            "Install the Aerio Home app from the App Store or Google Play and sign in.",
            "Touch and hold Auto and Timer together for 5 seconds until the Wi-Fi light blinks.",
            "In the app, tap Add device and choose AP-40.",
            "Enter your Wi-Fi password and wait until the Wi-Fi light stays on.",
        ]),
        ("p", "To disconnect the purifier from Wi-Fi, touch and hold Auto and Timer together for 10 seconds. "
              "The Wi-Fi light turns off."),
    ],
    [
        ("h", "Filter care"),
        ("p", "The AP-40 uses a 3-in-1 filter: a washable pre-filter, a True HEPA H13 filter that captures 99.97% "
              "of particles as small as 0.3 microns, and an activated carbon layer that reduces odours."),
        ("p", "Clean the pre-filter every 2 weeks. Vacuum it or rinse it under cold water, and let it dry "
              "completely before putting it back. Never wash the HEPA filter or the carbon layer."),
        ("p", "Replace the filter every 6 to 12 months, depending on the air in your home. The filter light turns "
              "red when the filter has about 5% of its life left. Order replacement filter AF-40H from your "
              "retailer or aerio.example/filters."),
        ("l", [
            "Turn off and unplug the purifier.",
            "Open the bottom cover and pull the old filter out by its tab.",
            "Remove the new filter's plastic bag and put it in with the pull tab facing out.",
            "Close the cover, plug in and turn on the purifier.",
            "Touch and hold Filter for 3 seconds until the filter light turns off.",
        ]),
    ],
    [
        ("h", "Cleaning the air quality sensor"),
        ("p", "Dust on the sensor makes the light ring show the wrong colour. Clean the sensor every 2 months, "
              "or more often in a dusty home."),
        ("l", [
            "Unplug the purifier.",
            "Open the sensor cover on the left side of the purifier.",
            "Wipe the sensor lens gently with a dry cotton swab. Do not use water or cleaning products.",
            "Close the sensor cover.",
        ]),
        ("h", "Cleaning the outside"),
        ("p", "Wipe the body with a soft, dry cloth. Do not use alcohol, solvents or abrasive cleaners."),
    ],
    [
        ("h", "Troubleshooting"),
        ("t", [
            ["Problem", "Possible cause", "Solution"],
            ["The purifier does not turn on.", "The adapter is not connected.", "Check the adapter and the power socket."],
            ["The purifier does not turn on.", "The bottom cover is not closed.", "Close the bottom cover until it clicks; the purifier does not start while it is open."],
            ["The light ring is always red.", "The sensor is dirty.", "Clean the air quality sensor (page 8)."],
            ["The air flow is weak.", "The filter still has its plastic bag, or it is dirty.", "Remove the bag, clean the pre-filter or replace the filter."],
            ["The purifier makes a loud noise.", "The fan speed is Turbo.", "Choose a lower speed or Sleep mode."],
            ["There is a burning smell.", "The new filter's carbon layer.", "This is normal for the first few days and fades."],
            ["The Wi-Fi light blinks and does not stay on.", "The network is 5 GHz or the password is wrong.", "Connect to a 2.4 GHz network and check the password."],
            ["The filter light stays on after replacing the filter.", "The indicator was not reset.", "Touch and hold Filter for 3 seconds."],
        ]),
        ("p", "If the problem continues, contact Aerio support (page 11)."),
    ],
    [
        ("h", "Specifications"),
        ("t", [
            ["Item", "Value"],
            ["Model", "AP-40"],
            ["Clean air delivery rate (CADR)", "240 m3/h"],
            ["Recommended room size", "up to 40 m2"],
            ["Power consumption", "35 W (Turbo), 3 W (Sleep)"],
            ["Standby power", "less than 0.5 W"],
            ["Noise level", "24 dB (Sleep) to 52 dB (Turbo)"],
            ["Power adapter", "input 100-240 V, 50/60 Hz; output 24 V DC"],
            ["Dimensions", "25 x 25 x 48 cm"],
            ["Weight", "4.1 kg"],
            ["Filter", "AF-40H 3-in-1 (pre-filter, HEPA H13, activated carbon)"],
        ]),
    ],
    [
        ("h", "Warranty and support"),
        ("p", "The AP-40 has a 2-year limited warranty from the date of purchase. Register the purifier in the "
              "Aerio Home app or at aerio.example/register within 30 days of purchase to extend the warranty on "
              "the motor to 5 years."),
        ("p", "The warranty does not cover filters, which wear out with use, or damage from using the purifier "
              "with a power adapter that is not Aerio's."),
        ("p", "Aerio support: support@aerio.example or +44 20 7946 0123, Monday to Friday, 9:00 to 17:00. "
              "Have the serial number ready: it is on the label inside the bottom cover."),
    ],
]


class Manual(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 6, HEADER, align="R", new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 6, f"Page {self.page_no()} of {len(PAGES)}", align="C")


def main() -> None:
    pdf = Manual()
    pdf.set_title("Aerio AP-40 Air Purifier User Manual")
    for blocks in PAGES:
        pdf.add_page()
        for kind, body in blocks:
            if kind == "title":
                pdf.set_font("Helvetica", "B", 20)
                pdf.multi_cell(0, 12, body, new_x="LMARGIN", new_y="NEXT")
            elif kind == "h":
                pdf.ln(2)
                pdf.set_font("Helvetica", "B", 14)
                pdf.multi_cell(0, 9, body, new_x="LMARGIN", new_y="NEXT")
            elif kind == "p":
                pdf.set_font("Helvetica", size=11)
                pdf.multi_cell(0, 6, body, new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            elif kind in ("l", "b"):
                pdf.set_font("Helvetica", size=11)
                for n, item in enumerate(body, 1):
                    pdf.multi_cell(0, 6, f"{n}. {item}" if kind == "l" else f"- {item}", new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            elif kind == "toc":
                pdf.set_font("Helvetica", size=11)
                for title, page in body:
                    dots = "." * max(3, 80 - len(title))
                    pdf.cell(0, 7, f"{title} {dots} {page}", new_x="LMARGIN", new_y="NEXT")
            elif kind == "t":
                pdf.set_font("Helvetica", size=10)
                with pdf.table() as table:
                    for row in body:
                        cells = table.row()
                        for value in row:
                            cells.cell(value)
                pdf.ln(2)
    out = Path(__file__).resolve().parent / "documents" / "aerio-ap40-manual.pdf"
    pdf.output(str(out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
