"""RRF's first k, with the vectors' closest passage kept when RRF ranks it lower: read, not weighed."""

from assistant.index.chunking import Chunk
from assistant.retrieval import Evidence, HybridSearcher


def _chunk(n: int) -> Chunk:
    return Chunk(f"c{n}", f"doc{n}.md", None, None, 0, 10, f"passage {n}", "hash", 0.0)


def test_the_vectors_first_passage_is_kept_in_place_of_rrf_s_last_and_left_out_of_the_router_s_signals():
    chunks = [_chunk(n) for n in range(12)]
    bm25 = [(chunks[n], 10.0 - n) for n in (1, 2, 3, 4, 5, 6, 7, 8, 9, 0)]  # the closest by meaning is BM25's tenth
    dense = [(chunks[n], 0.9 - n / 100) for n in (0, 3, 2, 1, 10, 11)]
    searcher = HybridSearcher(None, None)
    hits = searcher.rank(bm25, dense, 3)
    assert [h.chunk.id for h in hits] == ["c1", "c2", "c0"] and [h.added for h in hits] == [False, False, True]
    evidence = Evidence("q", hits=hits)
    assert evidence.fused == hits[:2] and evidence.best_dense == max(h.dense_score for h in hits[:2])
    assert [h.chunk.id for h in searcher.rank(bm25, dense, 1)] == ["c1"]  # one passage: RRF's first stands
    assert not any(h.added for h in searcher.rank(bm25, dense[1:], 3))  # RRF keeps the vectors' first itself


def test_a_passage_every_page_repeats_is_read_once_and_its_places_go_to_others():
    footer = "Still need help? Call 1-888-555-0142."
    chunks = [Chunk(f"c{n}", f"page{n}.html", None, "Page footer", 0, 10, footer if n < 3 else f"passage {n}", "h", 0.0)
              for n in range(6)]  # fmt: skip
    bm25 = [(chunks[n], 10.0 - n) for n in range(6)]
    dense = [(chunks[n], 0.9 - n / 100) for n in range(6)]
    hits = HybridSearcher(None, None).rank(bm25, dense, 3)
    assert [h.chunk.id for h in hits] == ["c0", "c3", "c4"]


def test_a_passage_holding_every_content_word_is_read_too_when_none_of_the_first_k_holds_the_rarest():
    from assistant.retrieval import _with_every_word

    class Folder:  # what the search asks of a snapshot: which word is rarest, which passage holds a word
        words = {"c9": {"accountant", "send", "invoic"}, "c1": {"send", "invoic"}, "c2": {"invoic"}, "c0": {"invoic"}}

        def rarest(self, terms):
            return "accountant"

        def coverage(self, terms, chunk):
            return len(set(terms) & self.words.get(chunk.id, set())) / len(set(terms))

    chunks = [_chunk(n) for n in range(12)]
    bm25 = [(chunks[n], 10.0 - n) for n in (9, 1, 2, 3)]  # BM25's first is ninth by meaning
    dense = [(chunks[n], 0.9 - n / 100) for n in (0, 1, 2, 3, 4, 5, 6, 7, 9)]
    content = ["accountant", "send", "invoic"]  # "Can an accountant send invoices?" without how it asks
    covered = [Folder().coverage(content, c) for c, _ in bm25]
    top = HybridSearcher(None, None).rank(bm25, dense, 3)
    hits = _with_every_word(Folder(), content, bm25, covered, dense, top)
    assert [h.chunk.id for h in hits] == ["c1", "c2", "c0", "c9"] and [h.added for h in hits] == [False, False, True, True]
    assert hits[-1].bm25_rank == 1 and hits[-1].dense_rank == 9
    assert Evidence("q", hits=hits).fused == hits[:2]  # read, not weighed by the router
    Folder.words["c2"].add("accountant")  # one of the k holds the rarest word: nothing is added
    assert _with_every_word(Folder(), content, bm25, covered, dense, top) == top
