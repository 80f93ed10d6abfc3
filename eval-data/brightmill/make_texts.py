"""Writes documents/*.txt: an invented coffee-equipment shop's policies and a grinder's care guide as
plain-text files, the headings in the shapes plain text gives them — underlined with = and -, in
capitals, numbered ("1. Cleaning the burrs", "2.1 Claims") — and a FAQ of "Q:" / "A:" lines.
Written for Crossroads (CC0); `python eval-data/brightmill/make_texts.py`."""

from __future__ import annotations

from pathlib import Path

SHIPPING = """Brightmill Coffee Co. - Shipping and Returns
============================================

Last updated: 3 March 2026

Shipping
--------

We ship to the United Kingdom, Ireland and the European Union. Orders placed before 2 pm on a working
day leave our warehouse the same day.

Standard delivery takes 2 to 4 working days and costs 4.95 pounds. Orders over 60 pounds ship free.
Express delivery arrives the next working day and costs 9.95 pounds; it is not available to the Scottish
Highlands and islands.

You receive a tracking link by email as soon as your parcel leaves the warehouse.

Returns
-------

You can return any unused item within 30 days of delivery for a full refund. Opened coffee beans cannot
be returned unless they are faulty.

To start a return, sign in to your account, open the order and choose "Return an item". Print the
prepaid label and drop the parcel at any Parcelpoint location.

Return shipping is free for faulty items; for anything else we deduct 3.50 pounds from your refund.

Refunds
-------

We refund to your original payment method within 5 working days of receiving the item. Gift cards are
refunded as store credit.
"""

WARRANTY = """BRIGHTMILL PRODUCT WARRANTY

1. WHAT IS COVERED

1.1 Every grinder and kettle sold by Brightmill carries a two-year warranty from the date of delivery
against defects in materials and workmanship.

1.2 Registering your machine at brightmill.example/register within 60 days extends the warranty on
grinders to five years.

2. WHAT IS NOT COVERED

2.1 Burrs and seals wear with use and are not covered after the first six months.

2.2 Damage from descaling with vinegar, from grinding anything other than coffee beans, or from
commercial use is not covered.

3. HOW TO MAKE A CLAIM

3.1 Email warranty@brightmill.example with your order number, the machine's serial number and a
short video of the fault.

3.2 The serial number is printed on a sticker under the machine's base.

3.3 We reply within two working days and, if the claim is accepted, send a courier to collect the
machine at our cost. Repairs take about ten working days.
"""

FAQ = """Frequently asked questions

Q: Do you sell gift cards?
A: Yes. Digital gift cards from 10 to 200 pounds are sent by email and never expire.

Q: Can I change my order after placing it?
A: Orders can be changed or cancelled within one hour of placing them, from the order page in your
account. After that, the order is already being packed.

Q: Do you roast your own coffee?
A: Yes, we roast every Tuesday and Friday in our roastery in Bristol, and beans ship within 48 hours
of roasting.

Q: How should I store coffee beans?
A: Keep them in an airtight container in a cool, dark cupboard, not in the fridge. Use them within
four weeks of the roast date.

Q: Do you have a coffee subscription?
A: Yes. Choose a coffee and a delivery every 1, 2 or 4 weeks; subscribers get 10 percent off and free
delivery. You can pause or cancel at any time from your account.
"""

GRINDER = """Brightmill Conical Burr Grinder CG-2 - Care guide

1. Getting started

Wash the hopper and the grounds container in warm soapy water before first use and dry them fully.
The burrs are not washable. Set the grinder on a dry, level surface away from the edge of the worktop.

2. Choosing a grind size

Turn the hopper to choose one of 40 settings: 1 is the finest, for espresso, and 40 the coarsest, for
cold brew. For a filter coffee start at setting 22; for a French press, setting 32.

Change the grind size only while the motor is running, otherwise beans can jam between the burrs.

3. Cleaning the burrs

Clean the burrs every two weeks if you grind daily. Unplug the grinder, empty the hopper, and turn it
anticlockwise to lift it out. Pull the upper burr straight up by its wire handle. Brush both burrs
with the supplied brush; never use water. Refit the upper burr and the hopper, and grind a few beans
to clear any dust.

4. Troubleshooting

If the motor stops during grinding, the grinder has overheated: let it cool for 30 minutes. It is
built for up to 250 grams of beans at a time.

If the grind is uneven, the burrs are worn or dirty: clean them, and replace them after about 500 kg
of coffee. Replacement burr set: part number CG-B12.

If the grinder does not start, check that the hopper is locked in place; a safety switch stops the
motor when it is not.
"""

DOCUMENTS = {"shipping-and-returns.txt": SHIPPING, "warranty.txt": WARRANTY, "faq.txt": FAQ,
             "grinder-care-guide.txt": GRINDER}


def main() -> None:
    out = Path(__file__).parent / "documents"
    out.mkdir(exist_ok=True)
    for name, text in DOCUMENTS.items():
        (out / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
