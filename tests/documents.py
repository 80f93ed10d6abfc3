"""Real documents of every supported type, written by real libraries (fpdf2, python-docx)."""

from __future__ import annotations

import json
from pathlib import Path


def write_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def write_slow_pdf(path: Path, operators: int) -> Path:
    """One page of `operators` tiny text-drawing operators, Flate-compressed: a few KB that hold
    pypdf's text extraction for seconds inside that single page (~10 s per 100,000 here)."""
    import zlib

    stream = zlib.compress(b"BT /F1 12 Tf " + b"1 0 0 1 10 10 Tm (x) Tj " * operators + b"ET", 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path.write_bytes(bytes(out))
    return path


def write_docx(path: Path, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    for p in paragraphs:
        document.add_paragraph(p)
    document.save(str(path))
    return path


def fill_folder(root: Path) -> None:
    (root / "release-notes.md").write_text(
        "# Release notes\n\n## Firmware 1402\n\nFirmware 1402 adds a Dolby Vision gaming mode and fixes "
        "HDMI eARC audio dropouts on soundbars.\n\n## Firmware 1388\n\nFirmware 1388 improved Wi-Fi stability.\n"
    )
    (root / "notice.txt").write_text("Service notice: the Smart Hub store is offline for maintenance on 3 December.")
    (root / "promo.html").write_text(
        "<html><head><title>Winter promotion</title></head><body><h1>Winter promotion</h1>"
        "<p>Trade in an old television and get 200 euros off a new QN90 model.</p></body></html>"
    )
    (root / "prices.csv").write_text("model,price\nQN90,1299\nQ60,649\n")
    (root / "faq.json").write_text(json.dumps([{"q": "Warranty length?", "a": "The warranty lasts two years."}]))
    (root / "tickets.jsonl").write_text(json.dumps({"ticket": 17, "issue": "remote pairing fails"}) + "\n")
    write_pdf(
        root / "manual.pdf",
        ["Chapter one explains unpacking the television.", "To pair the remote, hold Back and Play for three seconds."],
    )
    write_docx(root / "policy.docx", ["Returns are accepted within thirty days of delivery."])
