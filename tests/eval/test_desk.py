from assistant.desk import questions_in
from assistant.eval.data import eval_dir, read_jsonl
from assistant.eval.desk import _same


def test_the_desk_tickets_are_realistic_and_their_questions_can_be_picked_out():
    tickets = read_jsonl(eval_dir() / "scenarios" / "desk-tickets.jsonl")
    assert len(tickets) >= 30 and {t["world"] for t in tickets} == {"demo+tv", "demo+wiki"}
    assert sum(not a for t in tickets for a in t["answerable"]) >= 4
    for t in tickets:
        found = questions_in(t["ticket"])
        assert all(any(_same(f, q) for f in found) for q in t["questions"]), t["id"]
        assert len(found) == len(t["questions"]), (t["id"], found)  # greeting, context and signature are not questions
