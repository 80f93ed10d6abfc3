"""Writes documents/: an invented video doorbell's help centre, saved from the browser as one
HTML file per article. Written for Crossroads (CC0). Every page carries what a hosted help
centre's template puts around an article — the site header and its navigation, a cookie banner,
breadcrumbs, a "Was this article helpful?" widget, a "Related articles" sidebar and a footer — as
`python eval-data/porchlight/make_helpcenter.py` writes it."""

from __future__ import annotations

from html import escape
from pathlib import Path

ARTICLES = {
    "getting-started": ("Set up your Porchlight Doorbell", "Getting started", [
        ("What's in the box", ["The box holds the Porchlight Doorbell 2, a mounting plate, a wedge kit, screws and "
                               "wall anchors, a USB-C charging cable and a security screwdriver."]),
        ("Charge the battery", ["Charge the battery fully before you install the doorbell. A full charge takes "
                                "about 5 hours with the included USB-C cable.",
                                "The light ring turns solid green when the battery is full."]),
        ("Add the doorbell in the app", ["Download the Porchlight app. It needs iOS 16 or later, or Android 11 "
                                         "or later.",
                                         "Tap Add device, then Doorbell, and scan the QR code on the back of "
                                         "the doorbell. Keep your phone within 3 metres of the doorbell while "
                                         "it connects."]),
        ("Mount the doorbell", ["Mount the doorbell about 120 cm (4 ft) above the ground, where it can see faces "
                                "at the door.",
                                "If the doorbell faces a wall, use the wedge kit to angle it toward the path."]),
        ("Connect existing doorbell wiring (optional)", [
            "The doorbell also works with existing doorbell wiring from 8 to 24 V AC, which keeps the battery "
            "topped up.",
            "Turn off the power at the breaker before you connect the wires to the screws on the back."]),
    ]),
    "wifi-troubleshooting": ("Fix Wi-Fi connection problems", "Troubleshooting", [
        ("Wi-Fi requirements", ["The doorbell connects to 2.4 GHz Wi-Fi networks only; 5 GHz networks are not "
                                "supported.",
                                "Live video needs an upload speed of at least 2 Mbps."]),
        ("The doorbell keeps going offline", [
            "Check the signal under Device settings > Device health. The signal strength (RSSI) should be "
            "better than -60 dBm.",
            "If it is weaker, move the router closer or add a Porchlight Chime Pro, which also works as a "
            "Wi-Fi extender for the doorbell."]),
        ("Change your Wi-Fi network or password", [
            "Open the app and go to Device settings > Device health > Change Wi-Fi network.",
            "Then press the orange setup button on the back of the doorbell and follow the steps in the app."]),
        ("Live view is slow or freezes", ["Lower the video quality to 1080p under Device settings > Video "
                                          "settings. Live view at 1536p needs more upload speed."]),
    ]),
    "plans": ("Porchlight Protect plans", "Billing & plans", [
        ("Compare plans", [
            ("table", ["Plan", "Price", "Video history", "Devices"],
             [["Basic", "$3.99 per month", "60 days", "One doorbell or camera"],
              ["Plus", "$9.99 per month", "60 days", "All devices at one address"],
              ["Pro", "$19.99 per month", "180 days", "All devices, with 24/7 professional monitoring"]])]),
        ("Without a plan", ["Without a Protect plan you still get live view and motion alerts, but "
                            "recordings are not saved."]),
        ("Free trial", ["Every new doorbell comes with a 30-day free trial of Protect Plus."]),
        ("Cancel your plan", ["You can cancel at any time under Account > Billing > Manage plan.",
                              "Your recordings stay available until the end of the billing period."]),
    ]),
    "motion-alerts": ("Motion detection and alerts", "Devices", [
        ("Motion zones", ["Draw up to 3 motion zones under Device settings > Motion settings > Motion zones.",
                          "Motion outside the zones does not start a recording or send an alert."]),
        ("Motion sensitivity", ["Set the sensitivity from 1 to 10 under Motion settings.",
                                "If passing cars or trees set off alerts, lower the sensitivity or redraw "
                                "your motion zones."]),
        ("Snooze motion alerts", [
            "Tap Snooze alerts on the device dashboard to pause motion alerts for 30 minutes up to 24 hours.",
            "You are still notified when someone presses the doorbell."]),
        ("Person detection", ["With a Protect plan, turn on Person detection to get alerts only when a person "
                              "is in view, not for animals or cars."]),
    ]),
    "battery": ("Battery and charging", "Devices", [
        ("How long the battery lasts", [
            "The battery lasts 6 to 12 months on a charge, depending on how many motion events the doorbell "
            "records.",
            "More than 30 events a day, long live views and cold weather shorten it."]),
        ("Charging in cold weather", ["The battery only charges above 0 °C (32 °F). Below freezing it may stop "
                                      "charging until it warms up."]),
        ("Remove the battery", [
            "Loosen the security screw at the bottom of the doorbell with the included security screwdriver.",
            "Then slide the doorbell up off its mounting plate and pull the battery pack out of the bottom."]),
        ("Low battery alerts", ["The app sends a low battery alert when the charge falls to 20%."]),
    ]),
    "privacy": ("Privacy and your recordings", "Account & privacy", [
        ("Who can see your videos", [
            "Only you and the people you invite under Account > Shared users can see your videos.",
            "Shared users can watch live video and recordings, but they cannot delete recordings or change "
            "settings."]),
        ("End-to-end encryption", [
            "Turn on end-to-end encryption under Account > Privacy > Video encryption.",
            "With encryption on, recordings can only be played on your enrolled phones, not on the web "
            "dashboard."]),
        ("Privacy zones", ["Black out parts of the picture, such as a neighbour's window, under Device settings "
                           "> Privacy zones. Privacy zones are not recorded."]),
        ("Delete recordings", [
            "Tap a recording and choose Delete, or delete everything under Account > Privacy > Delete all "
            "recordings.",
            "Deleted recordings cannot be recovered."]),
    ]),
}
NAV = ["Getting started", "Devices", "Billing & plans", "Account & privacy", "Troubleshooting", "Contact support"]


def page(slug: str) -> str:
    title, category, sections = ARTICLES[slug]
    body = []
    for heading, blocks in sections:
        body.append(f"<h2>{escape(heading)}</h2>")
        for block in blocks:
            if isinstance(block, tuple):
                _, header, rows = block
                head = "".join(f"<th>{escape(c)}</th>" for c in header)
                cells = "".join("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>" for row in rows)
                body.append(f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>")
            else:
                body.append(f"<p>{escape(block)}</p>")
    related = "".join(f'<li><a href="{s}.html">{escape(a[0])}</a></li>' for s, a in ARTICLES.items() if s != slug)
    nav = "".join(f'<li><a href="#">{escape(n)}</a></li>' for n in NAV)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(title)} – Porchlight Help Center</title>
<link rel="stylesheet" href="theme.css"><script>window.analytics = {{page: "{slug}"}};</script></head>
<body>
<header class="site-header"><a class="logo" href="index.html">Porchlight Help Center</a>
<nav class="main-nav"><ul>{nav}</ul></nav>
<form class="search" role="search"><input type="search" placeholder="Search the help center"><button>Search</button></form>
<a class="sign-in" href="#">Sign in</a></header>
<div class="cookie-banner" id="cookie-consent">We use cookies to improve your experience and to measure how our help
center is used. <button>Accept all cookies</button> <button>Manage cookie settings</button></div>
<nav class="breadcrumbs" aria-label="Breadcrumb"><a href="index.html">Porchlight Help Center</a> &gt;
<a href="#">{escape(category)}</a> &gt; <span>{escape(title)}</span></nav>
<main>
<article>
<h1>{escape(title)}</h1>
<p class="article-meta">Updated 3 months ago · 4 min read</p>
{chr(10).join(body)}
<div class="article-votes">Was this article helpful? <button>Yes</button> <button>No</button>
<span>41 out of 57 found this helpful</span></div>
</article>
<aside class="related-articles"><h3>Related articles</h3><ul>{related}</ul></aside>
</main>
<footer class="site-footer"><p>Still need help? Chat with us in the Porchlight app, or call 1-888-555-0142, Monday to
Friday, 8:00 to 20:00 ET.</p>
<p>© 2026 Porchlight Inc. · Privacy policy · Terms of service · Accessibility · Cookie settings</p></footer>
</body></html>
"""


def main() -> None:
    out = Path(__file__).parent / "documents"
    out.mkdir(exist_ok=True)
    for slug in ARTICLES:
        (out / f"{slug}.html").write_text(page(slug), encoding="utf-8")


if __name__ == "__main__":
    main()
