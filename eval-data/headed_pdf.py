"""A PDF whose headings are only larger bold type (no outline), as an exported manual or rulebook is:
`verdant/make_documents.py` and `harbour/make_rulebook.py` write theirs with it (fpdf2, a dev dependency)."""

from pathlib import Path

from fpdf import FPDF


def write(markup: str, path: Path) -> None:
    """`markup`: a line per paragraph; "#" starts the title, "##" a section heading."""
    pdf = FPDF()
    pdf.set_auto_page_break(True, 15)
    pdf.add_page()
    flow = {"new_x": "LMARGIN", "new_y": "NEXT"}
    for line in markup.splitlines():
        if line.startswith("##"):
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", 14)
            pdf.multi_cell(0, 8, line[2:], **flow)
        elif line.startswith("#"):
            pdf.set_font("Helvetica", "B", 20)
            pdf.multi_cell(0, 12, line[1:], **flow)
        else:  # the core fonts are Latin-1: no degree sign or en dash
            pdf.set_font("Helvetica", "", 11)
            pdf.multi_cell(0, 6, line.replace("°", " deg").replace("–", "-"), **flow)
    pdf.output(str(path))
