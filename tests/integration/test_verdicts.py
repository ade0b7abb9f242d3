"""Wrong answers users found, each as the test that reproduced it: bulk
batches applied in the order sent, and verdicts that say what happened."""
from harness import Yimad, check, day, eq, encode, Error


def setup_sites(c, n_small_writes=12):
    """MFR and PH1, a CN product, and enough small writes that the writer has
    taken many small groups in a row (its turn for bulk work is due)."""
    for args in (("SITE", "SET", "MFR", "name", "Maker", "kind", "manufacturer"),
                 ("SITE", "SET", "PH1", "name", "Pharmacy 1", "kind", "pharmacy"),
                 ("PRODUCT", "SET", "8301234", "name", "Amoxicillin", "units_per_pack", "1",
                  "kind", "drug")):
        r = c.call(*args)
        check(not isinstance(r, Error), f"{args}: {r}")
    for i in range(n_small_writes):
        r = c.call("SITE", "SET", f"S{i}", "name", f"Site {i}", "kind", "distributor")
        check(not isinstance(r, Error), f"SITE SET S{i}: {r}")


def cn(i):
    return "8301234%013d" % i


def test_pipelined_events_batches_apply_in_order_sent():
    """EVENTS BATCH A (a small request: COMMISSION X and 170 more) then BATCH
    B (a bulk one: SHIP X and 150 DISPENSEs of other units), pipelined on one
    connection: A is applied first and each reply is its own batch's."""
    d = Yimad()
    try:
        c = d.connect()
        c.call("HELLO", "3")
        setup_sites(c)
        a = [f"COMMISSION {cn(1)} SITE MFR LOT L1 EXPIRY {day(400)}"]
        a += [f"COMMISSION {cn(100 + i)} SITE MFR LOT L1 EXPIRY {day(400)}" for i in range(20)]
        a += [" ".join(["COMMISSION"] + [cn(200 + i) for i in range(150)] +
                       ["SITE", "MFR", "LOT", "L1", "EXPIRY", day(400)])]
        b = [f"SHIP {cn(1)} FROM MFR TO PH1 REF DN-1"]
        b += [f"DISPENSE {cn(200 + i)} SITE MFR TX TILL-0001-SALE-{i:06d}" for i in range(150)]
        req_a = encode("EVENTS", "BATCH", "A", *a)
        req_b = encode("EVENTS", "BATCH", "B", *b)
        check(len(req_a) < 8192 < len(req_b),
              f"batch A must be small ({len(req_a)} B) and B bulk ({len(req_b)} B)")
        c.send(req_a + req_b)
        ra, rb = c.reply(), c.reply()
        check(not isinstance(ra, Error), f"batch A refused: {ra}")
        check(not isinstance(rb, Error), f"batch B refused: {rb}")
        eq(ra[b"applied"], 22, f"batch A's reply {ra}")
        eq(rb[b"applied"], 151, f"batch B's reply {rb}")
        t = c.call("TRACE", cn(1))
        kinds = [e[b"event"] for e in t[b"events"]]
        eq(kinds, [b"commission", b"ship"], "X's events")
        c.close()
    finally:
        d.close()
