"""An exported manual's PDF: sections by the headings its type shows, without what every page repeats."""

from fpdf import FPDF

from assistant.index.loaders import load


class _Manual(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 6, "Breeze 9 Fan - User Manual", new_x="LMARGIN", new_y="NEXT")

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "I", 8)
        self.cell(0, 6, f"Page {self.page_no()} of 3")


def _write(path, pages) -> None:
    pdf = _Manual()
    for blocks in pages:
        pdf.add_page()
        for size, text in blocks:
            pdf.set_font("Helvetica", "B" if size > 11 else "", size)
            pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def test_headings_in_larger_type_cut_sections_that_run_across_pages(tmp_path):
    _write(tmp_path / "fan.pdf", [
        [(14, "Contents"), (11, "Cleaning ........................ 2"), (11, "Troubleshooting ........ 3")],
        [(14, "Cleaning"), (11, "Unplug the fan. Wipe the blades with a dry cloth, then wipe the grille and the base "
                                "with the same cloth, and let the fan dry before you plug it in again."),
         (14, "Oscillation"), (11, "Press Swing to turn the head from side to side.")],
        [(11, "Press Swing again to stop it."), (14, "Troubleshooting"), (11, "The fan hums: tighten the grille.")],
    ])  # fmt: skip
    sections = load(tmp_path / "fan.pdf")
    assert [(s.page, s.heading) for s in sections] == [
        (2, "Cleaning"), (2, "Oscillation"), (3, "Oscillation"), (3, "Troubleshooting")
    ]  # the contents page is dot leaders only: nothing left of it
    assert sections[2].text == "Press Swing again to stop it."
    assert "the base with the same cloth" in sections[0].text  # the layout's line wrap is not a line break
    text = "\n".join(s.text for s in sections)
    assert "Breeze 9 Fan - User Manual" not in text and "Page 2 of 3" not in text


def test_a_page_that_repeats_all_it_holds_keeps_it(tmp_path):
    _write(tmp_path / "same.pdf", [[(11, "Keep the fan dry.")]] * 3)
    sections = load(tmp_path / "same.pdf")
    assert len(sections) == 3 and all("Keep the fan dry." in s.text for s in sections)
