"""Regenerate documents/verdant-m5-manual.pdf and documents/customer-service.docx (fpdf2 and
python-docx, dev dependencies).

An invented robot lawn mower's user manual as a PDF (headings in larger bold type, no outline, an
error-code list) and its maker's customer-service page as a Word file (Title and Heading 1 styles).

    python eval-data/verdant/make_documents.py
"""

import sys
from pathlib import Path

import docx

sys.path.insert(0, str(Path(__file__).parents[1]))
import headed_pdf  # noqa: E402 - eval-data/headed_pdf.py, shared with the board game's rulebook

HERE = Path(__file__).parent / "documents"

# "#" the title, "##" a section heading, anything else a paragraph.
MANUAL = """\
#Verdant M5 Robotic Mower - User Manual
##Safety
Keep children and pets away from the lawn while the mower is working. Never lift or carry the mower while the blades are turning. Press the red STOP button on top of the mower to stop the blades at once. Always switch the mower off with the power switch underneath before you clean it, change the blades or turn it over.
##What is in the box
The box holds the M5 mower, the charging station, a power supply, 150 m of boundary wire, 300 pegs, 9 spare blades with screws, a measuring gauge and a blade-changing screwdriver.
##Installing the charging station
Place the charging station on flat ground at the edge of the lawn, with at least 3 m of straight boundary wire in front of it and 1 m behind it. Keep it away from sprinklers and out of direct sun if you can. Fix the station to the ground with the six screws supplied. Connect the power supply to an outdoor socket protected by a residual current device (RCD).
##Laying the boundary wire
The boundary wire tells the mower where the lawn ends. Lay the wire along the lawn edge and fix it with a peg every 75 cm. Keep the wire 35 cm from a wall or fence and 10 cm from a flat path the mower can drive onto. Around flower beds or trees, lay the wire around the obstacle as an island, running the wire out and back in the same peg line. Connect both wire ends to the charging station, left end to the L terminal and right end to the R terminal.
##Starting the mower for the first time
Switch on the power switch underneath the mower. Enter the factory PIN 0000 and choose a new four-digit PIN. Set the date and time, then place the mower in the charging station and press HOME. The mower charges fully (about 90 minutes) before it starts its first cut.
##Setting the cutting height
Turn the height knob under the lid clockwise to raise the cutting height and anticlockwise to lower it. The cutting height ranges from 20 mm to 60 mm in 5 mm steps. For a new lawn, start at the highest setting and lower it one step per week.
##Schedule
The mower mows on the days and hours you set in the Schedule menu. Open Menu, then Schedule, choose the days and set up to two time slots per day. The mower does not mow in rain when the rain sensor is on; it returns to the station and waits 3 hours after the rain stops.
##Rain sensor
The rain sensor sits on top of the mower. Turn it on or off under Menu > Settings > Rain sensor. You can set the delay after rain from 30 minutes to 6 hours.
##Anti-theft alarm
If someone lifts the mower without entering the PIN, the alarm sounds for 3 minutes and the mower is locked. Turn the alarm on under Menu > Security > Alarm. With the app, you also receive a notification and the mower's GPS position.
##Connecting to the Verdant app
Install the Verdant app on your phone and create an account. Turn on Bluetooth, hold the phone near the mower and choose Add mower in the app. Enter the serial number printed under the handle. To control the mower away from home, connect it to your 2.4 GHz Wi-Fi network in the app; 5 GHz networks are not supported.
##Cleaning
Clean the mower every week. Switch it off, turn it on its side and brush grass from the blade disc and the wheels. Never use a garden hose or pressure washer: water can damage the electronics. Wipe the charging contacts with a dry cloth.
##Replacing the blades
Replace the blades every 2 to 3 months, or sooner if the grass looks torn. Switch the mower off and wear gloves. Remove the screw of each blade with the supplied screwdriver, fit a new blade and a new screw, and check that each blade swings freely. Always replace all three blades at the same time.
##Winter storage
Before winter, charge the battery fully, switch the mower off and clean it. Store it indoors in a dry, frost-free place. Disconnect the charging station's power supply and store it indoors too; the station and the wire may stay outside.
##Battery
The M5 uses a 20 V lithium-ion battery of 2.5 Ah. A full charge lasts about 70 minutes of mowing and takes about 90 minutes. The battery should be replaced after about 3 years or when mowing time falls below 30 minutes.
##Error codes
E1 No loop signal: the boundary wire is broken or the station has no power. Check the station's LED and the wire connections.
E2 Mower is outside the working area: carry it back inside the boundary wire and press START.
E3 Wheel motor overloaded: the mower is stuck. Free it and remove grass from the wheels.
E4 Blade motor overloaded: the grass is too long. Raise the cutting height.
E5 Battery temperature out of range: the mower waits until the battery is between 0 and 45 °C.
##Finding a break in the boundary wire
If the station's LED blinks red, the boundary wire is broken. Walk along the wire and look for a cut, for example from a spade or an animal. Join the two ends with a waterproof wire connector; never twist bare wires together with tape.
##Technical data
Maximum lawn area: 800 m2. Maximum slope: 35 % (20 degrees). Cutting width: 18 cm. Noise: 58 dB(A). Weight: 8.4 kg. Rated power of the power supply: 42 W.
"""

SERVICE = [
    (
        "Warranty",
        [
            "The M5 mower has a 3-year warranty from the date of purchase. The battery has a 2-year warranty. Blades, pegs and the boundary wire are wear parts and are not covered.",
            "The warranty does not cover damage from water, from lightning, from a wrong installation or from repairs by anyone other than a Verdant service partner.",
        ],
    ),
    (
        "Extended warranty",
        [
            "Register your mower in the Verdant app within 30 days of purchase to extend the warranty to 5 years at no cost. Registration needs the serial number and the receipt."
        ],
    ),
    (
        "Returning a product",
        [
            "You can return an unused product within 30 days of delivery for a full refund. A mower that has been installed and used can be returned within 14 days; we deduct 15 % for cleaning and checks.",
            "To start a return, write to returns@verdant-garden.example with your order number. We send a prepaid shipping label; you pack the mower in its original box.",
        ],
    ),
    (
        "Repairs",
        [
            "For a repair, contact support with the serial number and a description of the fault. A courier collects the mower from your home. Repairs under warranty are free; outside the warranty we send a quote before any work starts. A repair usually takes 7 to 10 working days."
        ],
    ),
    (
        "Contacting support",
        [
            "Phone: +44 20 7946 0321, Monday to Friday, 8:00 to 18:00, and Saturday, 9:00 to 13:00. Email: support@verdant-garden.example. We answer emails within two working days."
        ],
    ),
    (
        "Delivery",
        [
            "Orders placed before 14:00 ship the same working day. Standard delivery takes 2 to 4 working days and is free above 50 GBP; below that it costs 4.95 GBP. Express delivery the next working day costs 9.95 GBP."
        ],
    ),
    (
        "Installation service",
        [
            "A Verdant installer can lay the boundary wire and set up the mower for you. The service costs 149 GBP for lawns up to 500 m2 and 199 GBP for larger lawns. Book it when you order or later from the app."
        ],
    ),
]


def service_docx(path: Path) -> None:
    document = docx.Document()
    document.add_heading("Verdant customer service: warranty, returns and repairs", 0)
    for heading, paragraphs in SERVICE:
        document.add_heading(heading, 1)
        for text in paragraphs:
            document.add_paragraph(text)
    document.save(str(path))


if __name__ == "__main__":
    headed_pdf.write(MANUAL, HERE / "verdant-m5-manual.pdf")
    service_docx(HERE / "customer-service.docx")
