"""The GIL is released while a query waits on the network; no secret appears in what rwmi shows."""

import threading

import rwmi

from conftest import PASSWORD


def test_another_thread_runs_while_a_query_waits(make_sim):
    # Every answer of this host comes 400 ms late.
    slow = make_sim("--profile", "lag=400")
    conn = rwmi.connect(slow.target, "Administrator", PASSWORD)
    counter = [0]
    stop = threading.Event()

    def count():
        # Pure Python: it advances only while this thread holds the GIL.
        while not stop.is_set():
            counter[0] += 1

    worker = threading.Thread(target=count)
    worker.start()
    try:
        before = counter[0]
        rows = list(conn.query("SELECT Name FROM Win32_OperatingSystem"))
        during = counter[0] - before
    finally:
        stop.set()
        worker.join()
        conn.close()
    assert len(rows) == 1
    assert during > 0, "the counting thread never ran while the query waited"


def test_no_secret_in_repr_str_or_errors(sim):
    secret = "S3cret-Pa55-word"
    shown = []
    try:
        rwmi.connect(sim.target, "Administrator", secret)
    except rwmi.LogonFailure as e:
        shown += [repr(e), str(e), repr(e.args)]
    try:
        rwmi.connect(sim.target, "Administrator", hashes="aad3b435b51404eeaad3b435b51404ee:" + "ab" * 16)
    except rwmi.LogonFailure as e:
        shown += [repr(e), str(e)]
    conn = rwmi.connect(sim.target, "Administrator", PASSWORD)
    shown += [repr(conn), str(conn), repr(conn._native)]
    shown += [repr(list(conn.query("SELECT Name FROM Win32_OperatingSystem")))]
    conn.close()
    shown.append(repr(rwmi.doctor(sim.target, "Administrator", secret)))
    text = "\n".join(shown)
    assert "Administrator" in text
    for s in (secret, PASSWORD, "ab" * 16):
        assert s not in text, s
