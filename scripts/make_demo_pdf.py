"""Regenerate knowledge/warranty-extension-2026.pdf (needs fpdf2, a dev dependency).

    python scripts/make_demo_pdf.py
"""

from pathlib import Path

from fpdf import FPDF

PAGES = [
    (
        "Extended warranty programme 2026",
        "Sample content written for the Crossroads demo. The programme, prices and dates are fictional.\n\n"
        "From 1 December 2026 every QN90F and Q60F television bought in the European Union can get an "
        "extended warranty of five years in total. Register the TV within 90 days of purchase on the "
        "support website, with the serial number from Settings > Support > About This TV.",
    ),
    (
        "What the extension covers",
        "The extension covers the panel, the power board and the Smart Remote. It does not cover "
        "accidental damage, burn-in caused by static images shown for more than 12 hours a day, or "
        "commercial use. A repair under the extension is free of charge, including collection and return.",
    ),
]


def main() -> None:
    pdf = FPDF()
    pdf.set_title("Extended warranty programme 2026 (sample)")
    for title, body in PAGES:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 16)
        pdf.multi_cell(0, 10, title)
        pdf.ln(4)
        pdf.set_font("Helvetica", size=12)
        pdf.multi_cell(0, 7, body)
    out = Path(__file__).resolve().parents[1] / "knowledge" / "warranty-extension-2026.pdf"
    pdf.output(str(out))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
