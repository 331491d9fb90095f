def test_record_and_status(run):
    run("source", "add", "butusov", "--name", "Yuriy Butusov", "--kind", "journalist")
    run("fact", "add", "belgorod-tochka-u", "A Tochka-U hit the depot", "--party", "ukraine")
    run("claim", "belgorod-tochka-u", "--source", "butusov", "--at", "2022-03-30T00:30:00+03:00")
    [row] = run.json("status")
    assert row["status"] == "claimed"
    assert row["label"] == "claimed: by Yuriy Butusov; unconfirmed by Ukraine"
