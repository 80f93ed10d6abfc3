from assistant.fingerprint import OWN_SHARE, Fingerprint, product_terms, shingles

TV_ANSWER = ("To pair the Samsung Smart Remote, point it at the remote control sensor of the TV, and then press and "
             "hold the Return and Play/Pause buttons simultaneously for 3 seconds or more.")  # fmt: skip
BAND_PASSAGE = ("To pair the band with a new phone, open the Galaxy Wearable app on the phone, tap Start and follow "
                "the on-screen instructions to complete the connection.")  # fmt: skip


def test_the_domain_s_own_documents_are_told_from_another_product_s_on_the_same_topic():
    fingerprint = Fingerprint.of([TV_ANSWER])
    manual_chunk = "Connecting the Samsung Smart Remote to the TV. " + TV_ANSWER  # the same text, cut differently
    assert fingerprint.share(manual_chunk) >= 0.7 >= OWN_SHARE
    assert fingerprint.share(BAND_PASSAGE) < OWN_SHARE  # "to pair the" alike, nothing else
    assert fingerprint.share("") == 0.0 and fingerprint.share("too short") == 0.0


def test_the_fingerprint_is_stable_and_survives_the_card():
    assert shingles("Hold the Return button down") == shingles("hold  the RETURN button, down!")  # words only
    assert shingles("Hold the Return button down") == {3352696177, 3584789405}  # CRC-32: the same on every machine
    fingerprint = Fingerprint.of([TV_ANSWER, BAND_PASSAGE])
    again = Fingerprint.from_json(fingerprint.to_json())
    assert again == fingerprint and isinstance(fingerprint.to_json()["crc32"], str)


def test_the_product_is_named_by_words_its_own_questions_share_and_general_ones_never_use():
    questions = ["How do I pair the TV remote?", "How do I turn on the TV?", "What is Ambient Mode?",
                 "How do I update the TV software?", "How do I mute the sound?"]  # fmt: skip
    assert product_terms(questions, ["how do I turn on the lights", "what is the weather"]) == {"tv", "mode", "ambient",
                                                                                              "pair", "remot", "updat",
                                                                                              "softwar", "mute", "sound"}
    assert product_terms(questions * 3 + ["a"] * 40, ["what is on tv tonight"]) == frozenset()  # "tv": 25 %… but general


def test_shingles_read_words_as_the_cards_were_made_whatever_bm25_s_tokenizer_does():
    assert shingles("Connect to Wi-Fi 2.3.0 now") == shingles("connect to wi fi 2 3 0 now")
